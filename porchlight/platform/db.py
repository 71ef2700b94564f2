"""Database wiring: the tortoise config, the connection's lifetime and the versioned migrations."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as run_migrations


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """asyncpg sends a reset query (RESET ALL, UNLISTEN *, CLOSE ALL, advisory unlocks) each
    time a connection goes back to its pool: for tortoise that is a second round trip per
    query, and it halved the query rate in a loopback measurement. Porchlight sets no session
    variables, listens to nothing and takes no advisory locks, so there is nothing to reset;
    asyncpg still rolls back a transaction left open."""

    def get_reset_query(self) -> str:
        return ""


# Connections each process may hold, unless the URL says (`?maxsize=N`). Tortoise's default of
# 5 starved requests under load: a freed connection goes to whoever asks next, not to the
# longest waiter, and with 16 concurrent page views p99 reached 320 ms (16 ms with 10).
# 10 is asyncpg's own default.
POOL_SIZE = 10


# How long a SQLite write waits for the one before it (another process's) before it fails:
# under load, seconds of queueing are better than a refusal (Python's sqlite3 waits 5 s).
BUSY_TIMEOUT_MS = 30_000
# SQLite's pragmas for the embedded database; the URL may say otherwise (`?synchronous=FULL`).
# busy_timeout comes first, so that switching the journal to WAL (tortoise's default) waits too.
# synchronous=NORMAL: in WAL mode a commit no longer waits for the disk (8 ms each here, and
# every write queues behind it: bench.embedded_load took 1.6x as long with FULL); the database
# stays intact, but a power cut (not a crash of a process) may lose the last commits.
SQLITE_PRAGMAS = {"busy_timeout": BUSY_TIMEOUT_MS, "synchronous": "NORMAL"}


def _connection(database_url: str) -> str | dict[str, Any]:
    config: dict[str, Any] = expand_db_url(database_url)
    if config["engine"] == "tortoise.backends.sqlite":
        # Write transactions wait for the lock (see there).
        config["engine"] = "porchlight.platform.sqlite"
        config["credentials"] = SQLITE_PRAGMAS | config["credentials"]
        return config
    if config["engine"] != "tortoise.backends.asyncpg":
        return database_url
    config["credentials"]["connection_class"] = PooledConnection
    config["credentials"].setdefault("maxsize", POOL_SIZE)
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            "models": {
                "models": ["porchlight.models"],
                "default_connection": "default",
                "migrations": "porchlight.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For tortoise's own CLI (`tortoise makemigrations`), named in pyproject.toml.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "sqlite://:memory:"))


def _ensure_sqlite_dir(database_url: str) -> None:
    if not database_url.startswith("sqlite://"):
        return  # a PostgreSQL URL is no path (it once left a "postgres:" folder behind)
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


_closed_here = False  # database() below closed it: "inited" no longer means open


@asynccontextmanager
async def database(database_url: str) -> AsyncIterator[None]:
    """Open the ORM for this process; a caller that already opened it (a test, an outer
    block) keeps ownership. Tortoise stays "inited" after closing, so track our own state:
    a second block after the first has closed opens it again."""
    global _closed_here
    if Tortoise.is_inited() and not _closed_here:
        yield
        return
    _ensure_sqlite_dir(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    _closed_here = False
    try:
        yield
    finally:
        await Tortoise.close_connections()
        _closed_here = True


async def migrate(database_url: str) -> None:
    """Apply every pending migration; safe to run again and from several processes in turn."""
    _ensure_sqlite_dir(database_url)
    config = tortoise_config(database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await run_migrations(config=config)
