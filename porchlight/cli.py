"""`porchlight`: the operator's command line. Every command reads the same settings."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import click

from porchlight.enums import Scope
from porchlight.platform.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from porchlight.models import Brand


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _require_redis(settings: Settings) -> None:
    """Refuse a Redis that is away or too old here, in one line, rather than in a traceback
    from inside the portal or the worker (both check again as they start)."""
    from arq import create_pool
    from arq.connections import RedisSettings
    from redis.exceptions import RedisError

    from porchlight.platform.redis_version import UnsupportedRedis, require_supported_redis

    async def check() -> None:
        redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        try:
            await require_supported_redis(redis)
        finally:
            await redis.aclose()

    try:
        asyncio.run(check())
    except (UnsupportedRedis, RedisError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def _with_db(work: Callable[[], Awaitable[Any]]) -> Any:
    from porchlight.platform.db import database

    async def run() -> Any:
        async with database(_settings().database_url):
            return await work()

    return asyncio.run(run())


def _seed_demo(port: int = 8000) -> list[str]:
    from arq import create_pool
    from arq.connections import RedisSettings

    from porchlight.demo import seed

    async def work() -> list[str]:
        arq = await create_pool(RedisSettings.from_dsn(_settings().redis_url))
        try:
            return await seed(arq, port)
        finally:
            await arq.aclose()

    return _with_db(work)  # type: ignore[no-any-return]


@click.group()
def main() -> None:
    """Porchlight: branded parcel tracking with proactive notifications."""


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from porchlight.platform.db import migrate as run

    asyncio.run(run(_settings().database_url))
    click.echo("database is up to date")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="portal processes")
def serve(host: str, port: int, workers: int) -> None:
    """Run the portal (shopper pages, agent workspace, API, webhooks)."""
    import uvicorn

    settings = _settings()
    _require_redis(settings)  # fail here, in one line, rather than inside a server process
    uvicorn.run(
        "portal.main:app",
        log_config=None,
        access_log=False,  # portal.request_log writes one JSON line per request instead
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-For names the client only when a configured proxy sent it: from anyone
        # else it would let each request pick its own address (and its own rate limit).
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
    )


@main.command()
def worker() -> None:
    """Run the arq worker (follow-up jobs, notifications, sweeps)."""
    _require_redis(_settings())
    # The worker lives above the domain (`python -m notifier`); this process becomes it.
    os.execv(sys.executable, [sys.executable, "-m", "notifier"])  # noqa: S606 (no shell, fixed argv)


@main.command("seed-demo")
def seed_demo() -> None:
    """Create the two demo brands with orders in every status (safe to run again)."""
    for line in _seed_demo():
        click.echo(line)


@main.command("import-contacts")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--brand", "slug", required=True, help="the brand the contacts belong to")
def import_contacts(csv_file: Any, slug: str) -> None:
    """Import historical WISMO/WISMR contacts from CSV.

    Columns: occurred_at, channel, reason (wismo|wismr), order_number, external_id. Bad rows are
    reported by line and skipped; the good ones are stored (once each, by external_id)."""
    from porchlight.insight.contacts import RowError, read_csv, record_contact
    from porchlight.models import Brand

    lines = csv_file.readlines()

    async def work() -> tuple[int, int, list[RowError]]:
        brand = await Brand.get_or_none(slug=slug)
        if brand is None:
            raise click.ClickException(f"no such brand: {slug}")
        created = repeated = 0
        errors: list[RowError] = []
        with click.progressbar(
            read_csv(iter(lines)), length=max(len(lines) - 1, 0), label="importing contacts"
        ) as rows:
            for _line, row in rows:
                if isinstance(row, RowError):
                    errors.append(row)
                    continue
                _, new = await record_contact(brand, row)
                created, repeated = created + new, repeated + (not new)
        return created, repeated, errors

    created, repeated, errors = _with_db(work)
    click.echo(f"{created} contacts imported, {repeated} already there, {len(errors)} rows refused")
    for problem in errors:
        click.echo(f"line {problem.line}: {problem.message}", err=True)
    if errors:
        sys.exit(1)


@main.command("seed-volume")
@click.option("--brand", "slug", default="volume", show_default=True)
@click.option("--shipments", default=1_000_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=7, show_default=True, help="same seed, same data")
def seed_volume(slug: str, shipments: int, seed: int) -> None:
    """Generate a year of traffic for one brand (10 events per shipment, 5% cases, 3% contacts)
    to measure the dashboard and the sweep on. Resumes where an earlier run stopped."""
    from porchlight.insight.volume import seed_volume as generate

    async def work() -> None:
        with click.progressbar(length=shipments, label=f"seeding {slug}", show_pos=True) as bar:
            async for done in generate(slug, shipments, seed=seed):
                bar.update(done - bar.pos)

    _with_db(work)
    click.echo(f"brand {slug}: {shipments} shipments")


@main.command("sweep")
def sweep() -> None:
    """Run the exception sweep once and print what it opened."""
    from porchlight.cases.sweep import sweep as run

    report = _with_db(run)
    for line in report.lines():
        click.echo(line)


@main.command("create-brand")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--host", "hosts", multiple=True, required=True, help="host name; repeatable")
@click.option("--theme", default="default", show_default=True)
@click.option("--locale", default="en", show_default=True)
def create_brand(slug: str, name: str, hosts: tuple[str, ...], theme: str, locale: str) -> None:
    """Create a brand served on the given host names."""
    from porchlight.accounts.brands import BrandError
    from porchlight.accounts.brands import create_brand as create

    try:
        brand = _with_db(lambda: create(slug, name, list(hosts), theme=theme, locale=locale))
    except BrandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created brand {brand.slug} on {', '.join(hosts)}")


@main.command("create-api-key")
@click.argument("slug")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([scope.value for scope in Scope]),
    help="what the key may do; repeatable. A chatbot needs only track.",
)
def create_api_key(slug: str, scopes: tuple[str, ...]) -> None:
    """Print a new API key for the brand (only its hash is stored). There is no default scope:
    a key never holds more than its maker named."""
    from porchlight.accounts.apikeys import create_api_key as create

    async def work() -> str:
        return await create(await _brand(slug), [Scope(scope) for scope in scopes])

    key = _with_db(work)
    click.echo("Store this key now; it cannot be shown again.", err=True)
    click.echo(key)


async def _brand(slug: str) -> "Brand":
    from porchlight.models import Brand

    brand = await Brand.get_or_none(slug=slug)
    if brand is None:
        raise click.ClickException(f"no brand {slug}")
    return brand


@main.command("api-keys")
@click.argument("slug")
def list_api_keys(slug: str) -> None:
    """The brand's API keys by prefix: when each was made, last used (to the hour), revoked, and
    what it may do."""
    from porchlight.accounts.apikeys import api_keys

    async def work() -> list[Any]:
        return await api_keys(await _brand(slug))

    def shown(moment: Any) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"

    click.echo(f"{'prefix':<12}{'created':<18}{'last used':<18}{'revoked':<18}scopes")
    for key in _with_db(work):
        click.echo(
            f"{key.prefix:<12}{shown(key.created_at):<18}{shown(key.last_used_at):<18}"
            f"{shown(key.revoked_at):<18}{','.join(key.scopes.split())}"
        )


@main.command("revoke-api-key")
@click.argument("slug")
@click.argument("prefix")
def revoke_api_key(slug: str, prefix: str) -> None:
    """Refuse the key starting with PREFIX (see `api-keys`), or given whole, from now on."""
    from porchlight.accounts.apikeys import ApiKeyError
    from porchlight.accounts.apikeys import revoke_api_key as revoke

    async def work() -> Any:
        return await revoke(await _brand(slug), prefix)

    try:
        key = _with_db(work)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {key.prefix}… of {slug}")


@main.command("create-agent")
@click.argument("email")
@click.option("--role", type=click.Choice(["agent", "lead", "admin"]), default="agent")
@click.option("--brand", "brands", multiple=True, required=True, help="brand slug; repeatable")
@click.option("--name", default="")
def create_agent(email: str, role: str, brands: tuple[str, ...], name: str) -> None:
    """Create (or update and reactivate) an agent; the password is read from standard input.
    An update ends the agent's sessions."""
    from porchlight.accounts.agents import upsert_agent

    password = _password()
    agent = _agent_work(lambda: upsert_agent(email, password, role, list(brands), name=name))
    click.echo(f"agent {agent.email} ({agent.role}) on {', '.join(brands)}")


def _password() -> str:
    """From standard input (one line), or asked twice on a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _agent_work(work: Callable[[], Awaitable[Any]]) -> Any:
    from porchlight.accounts.agents import AgentError

    try:
        return _with_db(work)
    except AgentError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("agent-password")
@click.argument("email")
def agent_password(email: str) -> None:
    """Set an agent's password (read from standard input) and end all their sessions."""
    from porchlight.accounts.agents import set_password

    password = _password()
    agent = _agent_work(lambda: set_password(email, password))
    click.echo(f"new password for {agent.email}; their sessions are ended")


@main.command("deactivate-agent")
@click.argument("email")
def deactivate_agent(email: str) -> None:
    """Refuse an agent's sign-ins and end all their sessions (create-agent reactivates)."""
    from porchlight.accounts.agents import deactivate_agent as deactivate

    agent = _agent_work(lambda: deactivate(email))
    click.echo(f"deactivated {agent.email}; their sessions are ended")


def _wait_for_port(port: int, children: list[subprocess.Popen[bytes]], seconds: float) -> bool:
    """True once something answers on `port`; False if a child died or time ran out first."""
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and all(child.poll() is None for child in children):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


@main.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--logs",
    default="var",
    show_default=True,
    type=click.Path(file_okay=False),
    help="where the portal's and the worker's logs go (demo-portal.log, demo-worker.log)",
)
def demo(port: int, logs: str) -> None:
    """Migrate, seed and run portal + worker in the foreground until Ctrl-C. Their logs go to
    files, so what the demo prints (links, keys, the agent's sign-in) stays on screen."""
    from porchlight.platform.db import migrate as run_migrations

    settings = _settings()
    _require_redis(settings)
    asyncio.run(run_migrations(settings.database_url))
    lines = _seed_demo(port)
    exe = os.path.join(os.path.dirname(sys.executable), "porchlight")
    # The demo's messages are for looking at: its agent reads them at /outbox, and /demo
    # links one order of each kind.
    portal_env = {**os.environ, "OUTBOX_VIEWER": "true", "DEMO_INDEX": "true"}
    os.makedirs(logs, exist_ok=True)
    portal_log = os.path.join(logs, "demo-portal.log")
    worker_log = os.path.join(logs, "demo-worker.log")
    with open(portal_log, "ab") as portal_out, open(worker_log, "ab") as worker_out:
        children = [
            subprocess.Popen(
                [exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=portal_env,
                stdout=portal_out,
                stderr=subprocess.STDOUT,
            ),
            subprocess.Popen([exe, "worker"], stdout=worker_out, stderr=subprocess.STDOUT),
        ]
    if _wait_for_port(port, children, 60):
        click.echo("\n".join(["", "Porchlight demo is running. Ctrl-C stops it.", *lines]))
        click.echo(f"Logs: {portal_log} (portal), {worker_log} (worker)\n")
    else:
        click.echo(f"The demo did not start: see {portal_log} and {worker_log}", err=True)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # TERM and HUP stop the children too, as Ctrl-C does

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        click.echo(f"The portal or the worker stopped: see {portal_log}, {worker_log}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()  # reaped here, or it lingers as a zombie after the demo is gone
