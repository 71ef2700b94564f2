"""An installation of the last release, with a row in every table, upgrades to this one: a
new NOT NULL column needs a default the database can fill in, which a fresh database (the rest
of the suite's) never shows."""

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as run_migrations

from porchlight.platform.db import migrate, tortoise_config

LAST_RELEASE = "models.0015_delivery_prediction"  # where stop 26 left installations


async def _tables(conn: BaseDBAsyncClient, sqlite: bool) -> list[str]:
    if sqlite:
        rows = await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [r["name"] for r in rows]
    rows = await conn.execute_query_dict(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return [r["name"] for r in rows]


async def _columns(conn: BaseDBAsyncClient, table: str, sqlite: bool) -> list[dict[str, Any]]:
    """Each column's name, type, whether it must be given, and the table it refers to."""
    if sqlite:
        keys = await conn.execute_query_dict(f'PRAGMA foreign_key_list("{table}")')
        refers = {k["from"]: k["table"] for k in keys}
        return [
            {
                "name": c["name"],
                "type": c["type"].lower(),
                "needed": bool(c["notnull"]) and c["dflt_value"] is None and not c["pk"],
                "refers": refers.get(c["name"]),
            }
            for c in await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
        ]
    keys = await conn.execute_query_dict(
        "SELECT kcu.column_name AS name, ccu.table_name AS refers "
        "FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name "
        "JOIN information_schema.constraint_column_usage ccu "
        "ON tc.constraint_name = ccu.constraint_name "
        "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = $1",
        [table],
    )
    refers = {k["name"]: k["refers"] for k in keys}
    columns = await conn.execute_query_dict(
        "SELECT column_name AS name, data_type AS type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_name = $1 AND table_schema = 'public'",
        [table],
    )
    return [
        {
            "name": c["name"],
            "type": c["type"].lower(),
            "needed": c["is_nullable"] == "NO" and c["column_default"] is None,
            "refers": refers.get(c["name"]),
        }
        for c in columns
    ]


# A moment as older SQLite databases may hold it: in the zone it was given in (migration 0025).
WEST_COAST_MIDNIGHT = "2025-12-31 18:00:00-08:00"


def _value(kind: str, sqlite: bool) -> object:
    if any(word in kind for word in ("int", "numeric", "decimal", "real", "double", "float")):
        return 1
    if "bool" in kind:
        return False
    if "timestamp" in kind:
        return WEST_COAST_MIDNIGHT if sqlite else datetime(2026, 1, 1, 2, tzinfo=UTC)
    if kind == "date":
        return datetime(2026, 1, 1).date()
    if "json" in kind:
        return "{}"
    return "x"


async def _a_row_in_every_table(conn: BaseDBAsyncClient, sqlite: bool) -> list[str]:
    """One row per table, id 1, parents first: every column that must be given gets a value of
    its type, a reference points at the parent's row 1."""
    tables = [t for t in await _tables(conn, sqlite) if t != "tortoise_migrations"]
    columns = {t: await _columns(conn, t, sqlite) for t in tables}
    done: list[str] = []
    while len(done) < len(tables):
        ready = [
            t
            for t in tables
            if t not in done
            and all(c["refers"] in (None, t, *done) for c in columns[t] if c["needed"])
        ]
        assert ready, f"a cycle of required references among {set(tables) - set(done)}"
        for table in ready:
            given = {c["name"]: c for c in columns[table] if c["needed"] or c["name"] == "id"}
            names = list(given)
            values = [
                1 if c["refers"] or n == "id" else _value(c["type"], sqlite)
                for n, c in given.items()
            ]
            marks = ", ".join("?" if sqlite else f"${i + 1}" for i in range(len(names)))
            quoted = ", ".join(f'"{n}"' for n in names)
            await conn.execute_query(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', values)
            done.append(table)
    return done


async def test_an_installation_of_the_last_release_with_data_upgrades(settings, upgrade_url):
    url = upgrade_url
    config = tortoise_config(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await run_migrations(config=config, target=LAST_RELEASE)
        filled = await _a_row_in_every_table(ctx.connections.get("default"), settings.is_sqlite)
    assert {"tracking_event", "customer", "store_connection", "order"} <= set(filled)

    await migrate(url)  # as `porchlight migrate` runs it

    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        conn = ctx.connections.get("default")
        for table in filled:
            [row] = await conn.execute_query_dict(f'SELECT count(*) AS n FROM "{table}"')
            assert row["n"] == 1, table
        [event] = await conn.execute_query_dict("SELECT * FROM tracking_event")
        assert event["signed_by"] == ""
        assert str(event["occurred_at"]) == "2026-01-01 02:00:00+00:00"  # in UTC, as text too
        [order] = await conn.execute_query_dict('SELECT version FROM "order"')
        # 0 on PostgreSQL; on SQLite 0025's rewrite to UTC counts as writes to the order's rows
        assert order["version"] == (12 if settings.is_sqlite else 0)
