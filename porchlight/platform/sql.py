"""Raw SQL for the few queries the ORM would make slow or unreadable (aggregates, KPIs), written
once for both databases: SQLite (the demo and tests) and PostgreSQL (production)."""

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.backends.asyncpg import AsyncpgDBClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)


class Sql:
    """The two dialects' spellings of what the queries need."""

    def __init__(self) -> None:
        conn = Tortoise.get_connection("default")
        self.conn = conn
        self.sqlite = conn.capabilities.dialect == "sqlite"

    def week(self, column: str) -> str:
        if self.sqlite:
            return f"date({column}, 'weekday 0', '-6 days')"
        return f"(date_trunc('week', {column} AT TIME ZONE 'UTC'))::date"

    def week_of_date(self, column: str) -> str:
        if self.sqlite:
            return f"date({column}, 'weekday 0', '-6 days')"
        return f"(date_trunc('week', {column}))::date"

    def hours(self, start: str, end: str) -> str:
        if self.sqlite:
            return f"((julianday({end}) - julianday({start})) * 24.0)"
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"

    def joined(self, expression: str, order: str) -> str:
        """Every row's `expression` as text, comma-joined (SQLite: in the order it reads them)."""
        if self.sqlite:
            return f"group_concat({expression}, ',')"
        return f"string_agg({expression}, ',' ORDER BY {order})"

    def moment(self) -> str:
        """A datetime parameter used inside an expression (not just compared to a column)."""
        return "?" if self.sqlite else "CAST(? AS timestamptz)"

    async def rows(self, query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        values = list(params)
        if self.sqlite:
            return await self.conn.execute_query_dict(query, values)
        pool = _pool(self.conn)
        if pool is not None:
            return [dict(row) for row in await pool.fetch(numbered(query), *values)]
        return await self.conn.execute_query_dict(numbered(query), values)

    async def by_week(self, query: str, params: Sequence[Any]) -> dict[date, float]:
        """Rows of (week, n) → {monday: n}."""
        return (await self.columns_by_week(query, params)).get("n", {})

    async def columns_by_week(
        self, query: str, params: Sequence[Any]
    ) -> dict[str, dict[date, float]]:
        """Rows of (week, a, b, …) → {"a": {monday: a}, "b": …}: one scan, several figures.
        A NULL (an average over nothing) is left out."""
        result: dict[str, dict[date, float]] = {}
        for row in await self.rows(query, params):
            week = row.pop("week")
            week = date.fromisoformat(week) if isinstance(week, str) else week
            for column, value in row.items():
                if value is not None:
                    result.setdefault(column, {})[week] = float(value)
        return result


@cache
def numbered(query: str) -> str:
    """`?` placeholders as asyncpg numbers them ($1, $2, …)."""
    parts = query.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


def _pool(conn: Any) -> Any:
    """asyncpg's pool behind tortoise's PostgreSQL client, outside a transaction (inside one,
    `conn` is the transaction's and its queries must go through it); None otherwise. Queries
    written here go to it directly: tortoise's wrapper (its connection wrapper, lock, debug log
    and row dicts) cost more than an indexed SELECT itself."""
    if type(conn) is AsyncpgDBClient:
        return conn._pool
    return None


async def first_row(query: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row's values in the SELECT's order (strings and numbers as parameters), for
    the one query every view of a tracking page makes."""
    sql = Sql()
    pool = None if sql.sqlite else _pool(sql.conn)
    if pool is not None:
        row = await pool.fetchrow(numbered(query), *params)
        return None if row is None else tuple(row)
    rows = await sql.rows(query, params)
    return tuple(rows[0].values()) if rows else None


async def rows_in(model: type[M], column: str, values: Sequence[Any]) -> list[M]:
    """`model`'s rows whose `column` is one of `values`, built as the ORM builds them. For the
    hottest reads (a page's scans, each webhook's re-derivation): the ORM's query building
    cost more than the query (2.0 vs 1.6 ms for a page's 40 scans, 0.55 vs 0.35 ms for dates)."""
    if not values:
        return []
    if column not in model._meta.fields_db_projection.values():
        raise ValueError(f"{model.__name__} has no column {column!r}")
    marks = ", ".join("?" * len(values))
    return await rows_where(model, f'"{column}" IN ({marks})', values)


async def rows_where(
    model: type[M], condition: str, params: Sequence[Any], order: str = ""
) -> list[M]:
    """`model`'s rows matching `condition` (SQL written here, values as `?` parameters), in
    `order` (a column list) when given, built as the ORM builds them, minus its query building."""
    meta = model._meta
    columns = ", ".join(f'"{c}"' for c in meta.fields_db_projection.values())
    query = f'SELECT {columns} FROM "{meta.db_table}" WHERE {condition}'  # noqa: S608 - names from the model, values as parameters
    if order:
        query += f" ORDER BY {order}"
    return [model._init_from_db(**row) for row in await Sql().rows(query, params)]
