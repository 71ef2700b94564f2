"""`porchlight`: the operator's command line. Every command reads the same settings."""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import click

from porchlight.enums import Role, Scope
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


@main.command("edd-backtest")
@click.option("--brand", "slug", required=True, help="the brand whose history is replayed")
@click.option("--weeks", default=8, show_default=True, type=click.IntRange(1, 156))
@click.option(
    "--confidence",
    "confidences",
    multiple=True,
    type=click.FloatRange(0.5, 0.99),
    help="repeatable; default: 0.8, 0.95 and the brand's own",
)
def edd_backtest(slug: str, weeks: int, confidences: tuple[float, ...]) -> None:
    """Replay the parcels delivered in the last WEEKS, each predicted with only what was known
    at its first scan and at each milestone, beside the carrier's date at the first scan.
    Prints `name: value` lines: on-time rate, exact-day rate and mean absolute error in days,
    for ours and the carriers', per confidence, carrier and lane."""
    from datetime import timedelta

    from porchlight.accounts.brand_settings import settings_of
    from porchlight.edd.accuracy import replay
    from porchlight.platform.clock import utcnow

    async def work() -> list[str]:
        brand = await _brand(slug)
        own = settings_of(brand).delivery_prediction.confidence
        chosen = sorted(set(confidences) or {0.8, 0.95, own})
        now = utcnow()
        results = await replay(brand, now - timedelta(weeks=weeks), now, chosen)
        return [f"brand: {slug}", f"weeks: {weeks}"] + [
            line for result in results for line in result.lines()
        ]

    for line in _with_db(work):
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


@main.command("brand-settings")
@click.argument("slug")
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="FIELD=VALUE",
    help="change a field (dotted into nested ones: business_hours.start=8); the value is read "
    'as JSON where it parses (4, true, ["en","de"], null for the default), else as text; '
    "repeatable",
)
def brand_settings(slug: str, changes: tuple[str, ...]) -> None:
    """Show a brand's settings with each field's help, range and default; --set changes them
    (all or none: a refused value names its field). The console's forms use the same schema."""
    from porchlight.accounts.audit import record
    from porchlight.accounts.brand_settings import (
        InvalidSettings,
        changed_settings,
        describe,
        fields,
        settings_of,
        stored,
    )

    wanted = dict(_field_value(item) for item in changes)

    async def work() -> dict[str, Any]:
        brand = await _brand(slug)
        if wanted:
            before = stored(settings_of(brand))
            brand.settings = stored(changed_settings(brand, wanted))
            await brand.save(update_fields=["settings"])
            await record(
                "settings.update", brand=brand, actor="cli", before=before, after=brand.settings
            )
            await _announce_brand_change()
        return settings_of(brand).model_dump(mode="json")

    try:
        current = _with_db(work)
    except InvalidSettings as exc:
        raise click.ClickException(f"refused, nothing changed: {exc}") from None
    for path in fields():
        spec = describe(path)
        value: Any = current
        for name in path.split("."):
            value = value[name]
        bounds = ""
        if spec.minimum is not None or spec.maximum is not None:
            bounds = f" [{_number(spec.minimum)}..{_number(spec.maximum)}]"
        click.echo(f"{path} = {json.dumps(value, sort_keys=True)}")
        click.echo(f"    {spec.description}{bounds}")


def _field_value(item: str) -> tuple[str, Any]:
    field, sep, raw = item.partition("=")
    if not sep or not field.strip():
        raise click.UsageError(f"--set wants FIELD=VALUE, not {item!r}")
    try:
        return field.strip(), json.loads(raw)
    except ValueError:
        return field.strip(), raw


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


async def _announce_brand_change() -> None:
    """Portal processes show the change on their next page; without Redis, within 30 s."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from porchlight.accounts.brands import announce_brand_change

    redis = Redis.from_url(_settings().redis_url)
    try:
        await announce_brand_change(redis)
    except (RedisError, OSError) as exc:
        click.echo(f"Redis unreachable ({exc}): portals show the change within 30 s", err=True)
    finally:
        await redis.aclose()


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
@click.option("--role", type=click.Choice([role.value for role in Role]), default="agent")
@click.option(
    "--brand", "brands", multiple=True, help="brand slug; repeatable (required but for an owner)"
)
@click.option("--name", default="")
def create_agent(email: str, role: str, brands: tuple[str, ...], name: str) -> None:
    """Create (or update and reactivate) an agent; the password is read from standard input.
    An update ends the agent's sessions. An owner administers every brand in /admin and is the
    only one who may create brands there."""
    from porchlight.accounts.agents import upsert_agent

    if not brands and role != Role.OWNER:
        raise click.UsageError("--brand is required (at least one) unless --role owner")
    password = _password()
    agent = _agent_work(lambda: upsert_agent(email, password, role, list(brands), name=name))
    click.echo(f"agent {agent.email} ({agent.role}) on {', '.join(brands) or 'every brand'}")


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


@main.command("invite-agent")
@click.argument("email")
@click.option("--role", type=click.Choice(["agent", "lead", "admin"]), default="agent")
@click.option("--brand", "slug", required=True, help="brand slug")
def invite_agent(email: str, role: str, slug: str) -> None:
    """Invite an agent: a one-time link (72 h) to set their password is emailed to them (through
    EMAIL_BACKEND) and printed on the last line."""
    from porchlight.accounts.people import invite
    from porchlight.enums import Role
    from porchlight.models import Brand
    from porchlight.notifications.console_mail import invite_link, send_invite

    settings = _settings()

    async def work() -> str:
        brand = await Brand.get_or_none(slug=slug)
        if brand is None:
            raise click.ClickException(f"no such brand: {slug}")
        agent, token = await invite(brand, email, Role(role), by=None, actor="cli")
        await send_invite(settings, brand, agent.email, token, brand.name, brand.default_locale)
        return invite_link(settings, token)

    link = _agent_work(work)
    click.echo(f"invited {email.strip().lower()} ({role}) to {slug}; their link, valid 72 h:")
    click.echo(link)


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


def _secret_line(prompt: str) -> str:
    """One line of standard input, or asked without echo on a terminal: secrets never go in
    arguments, where the shell history and `ps` would keep them."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt(prompt, hide_input=True))


def _with_queue(work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Database and job queue open, as the portal has them."""
    from arq import create_pool
    from arq.connections import RedisSettings

    async def run() -> Any:
        arq = await create_pool(RedisSettings.from_dsn(_settings().redis_url))
        try:
            return await work(arq)
        finally:
            await arq.aclose()

    return _with_db(run)


@main.command("connect-shopify")
@click.argument("slug")
@click.option("--shop", required=True, help="the store's NAME.myshopify.com")
def connect_shopify(slug: str, shop: str) -> None:
    """Connect the brand's Shopify store. Reads the Admin API access token, then the webhook
    secret, from standard input (one a line); neither is shown again."""
    import httpx

    from porchlight.connectors import subscriptions
    from porchlight.connectors.accounts import ConnectError
    from porchlight.connectors.accounts import connect_shopify as connect
    from porchlight.connectors.shopify import TOPICS
    from porchlight.connectors.shopify_api import ShopifyUnavailable

    settings = _settings()
    token, secret = _secret_line("Admin API access token"), _secret_line("Webhook secret")

    async def work() -> tuple[Any, int]:
        connection = await connect(settings, await _brand(slug), shop, token, secret, actor="cli")
        async with httpx.AsyncClient() as http:
            with contextlib.suppress(ShopifyUnavailable):  # pending: the worker's sweep retries
                return connection, await subscriptions.subscribe(settings, http, connection)
        return connection, 0

    try:
        connection, new = _with_db(work)
    except ConnectError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    click.echo(f"connected {connection.shop_domain} to {slug} (token …{connection.token_hint})")
    click.echo(f"webhook URL: {settings.public_base_url}/hooks/shopify/{slug}")
    click.echo(f"topics: {', '.join(TOPICS)}")
    if connection.webhooks_state == subscriptions.SUBSCRIBED:
        click.echo(f"webhooks subscribed ({new} new, {len(TOPICS) - new} already there)")
    elif connection.webhooks_state == subscriptions.PENDING:
        click.echo(
            f"webhooks not subscribed yet ({connection.webhooks_error}): the worker retries",
            err=True,
        )
    else:
        raise click.ClickException(
            f"webhooks not subscribed: {connection.webhooks_error}; subscribe them by hand"
        )


@main.command("connect-aggregator")
@click.argument("slug")
@click.argument("aggregator", type=click.Choice(["easypost", "aftership", "shippo"]))
def connect_aggregator(slug: str, aggregator: str) -> None:
    """Connect the brand's own aggregator account: new parcels get registered there. Reads the
    API key, then the webhook secret (Shippo: the URL token), from standard input."""
    from porchlight.connectors.accounts import ConnectError
    from porchlight.connectors.accounts import connect_aggregator as connect

    settings = _settings()
    key, secret = _secret_line("API key"), _secret_line("Webhook secret")

    async def work() -> Any:
        return await connect(settings, await _brand(slug), aggregator, key, secret, actor="cli")

    try:
        account = _with_db(work)
    except ConnectError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    url = f"{settings.public_base_url}/hooks/{aggregator}/{slug}"
    click.echo(f"connected {aggregator} to {slug} (key …{account.key_hint})")
    click.echo(
        f"webhook URL: {url}" + ("?token=<the webhook secret>" if aggregator == "shippo" else "")
    )


@main.command("shopify-sync")
@click.argument("slug")
@click.option(
    "--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="orders created from (UTC)"
)
def shopify_sync(slug: str, since: Any) -> None:
    """Fetch every order since DATE from the brand's Shopify store (the ones webhooks did not
    bring). Stopped, it resumes where it was when run again with the same --since."""
    from datetime import UTC

    import httpx

    from porchlight.connectors import shopify_api
    from porchlight.connectors.sync import NotConnected, sync_orders

    settings = _settings()
    _require_redis(settings)

    async def work(arq: Any) -> int:
        brand = await _brand(slug)
        async with httpx.AsyncClient() as http:
            progress = sync_orders(settings, http, arq, brand, since.replace(tzinfo=UTC))
            first = await anext(progress)
            if first.resumed:
                click.echo(f"resuming after {first.done} orders")
            with click.progressbar(
                length=first.total, label="syncing orders", show_pos=True
            ) as bar:
                bar.update(first.done)
                done = first.done
                async for step in progress:
                    bar.update(step.done - done)
                    done = step.done
        return done

    try:
        done = _with_queue(work)
    except (NotConnected, shopify_api.ShopifyRefused) as exc:
        raise click.ClickException(str(exc)) from None
    except shopify_api.ShopifyUnavailable as exc:
        raise click.ClickException(f"{exc}; run the same command again to resume") from None
    click.echo(f"{done} orders synced for {slug}")


@main.command("import-orders")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--brand", "slug", required=True, help="the brand the orders belong to")
def import_orders(csv_file: Any, slug: str) -> None:
    """Import orders and parcels from CSV (columns in the README), validated as the API does.
    Bad rows are named by line and skipped; good ones are stored and their parcels registered
    at the brand's aggregators. Exit status 1 if any row was refused."""
    from porchlight.connectors.order_csv import Imported, import_rows, read_orders

    lines = csv_file.readlines()
    _require_redis(_settings())

    async def work(arq: Any) -> Imported:
        brand = await _brand(slug)
        with click.progressbar(
            read_orders(iter(lines)), length=max(len(lines) - 1, 0), label="importing orders"
        ) as rows:
            return await import_rows(arq, brand, rows)

    result = _with_queue(work)
    click.echo(f"{result.stored} rows imported, {len(result.refused)} rows refused")
    for problem in result.refused:
        click.echo(f"line {problem.line}: {problem.message}", err=True)
    if result.refused:
        sys.exit(1)
