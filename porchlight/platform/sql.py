"""Raw SQL for the few queries the ORM would make slow or unreadable (aggregates, KPIs), written
once for both databases: SQLite (the demo and tests) and PostgreSQL (production)."""

from collections.abc import Callable, Mapping, Sequence
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
        return [dict(row) for row in await self.records(query, params)]

    async def records(self, query: str, params: Sequence[Any]) -> Sequence[Mapping[str, Any]]:
        """The rows as the driver gives them, each read by column name (asyncpg's records are
        not copied into dicts)."""
        values = list(params)
        if self.sqlite:
            return await self.conn.execute_query_dict(query, values)
        pool = _pool(self.conn)
        if pool is not None:
            return await pool.fetch(numbered(query), *values)  # type: ignore[no-any-return]
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


async def rows_in(
    model: type[M], column: str, values: Sequence[Any], *, without: frozenset[str] = frozenset()
) -> list[M]:
    """`model`'s rows whose `column` is one of `values`, built as the ORM builds them. For the
    hottest reads (a page's scans, each webhook's re-derivation): the ORM's query building
    cost more than the query (2.0 vs 1.6 ms for a page's 40 scans, 0.55 vs 0.35 ms for dates)."""
    if not values:
        return []
    if column not in model._meta.fields_db_projection.values():
        raise ValueError(f"{model.__name__} has no column {column!r}")
    marks = ", ".join("?" * len(values))
    return await rows_where(model, f'"{column}" IN ({marks})', values, without=without)


async def rows_where(
    model: type[M],
    condition: str,
    params: Sequence[Any],
    order: str = "",
    *,
    without: frozenset[str] = frozenset(),
) -> list[M]:
    """`model`'s rows matching `condition` (SQL written here, values as `?` parameters), in
    `order` (a column list) when given, built as the ORM builds them, minus its query building.
    `without`: columns left unread (a scan's raw body, which no page shows); such rows are
    partial, as the ORM's `.only()` makes them, and it refuses to save them whole."""
    build = _builder(model, without)
    meta = model._meta
    columns = ", ".join(f'"{c}"' for c in meta.fields_db_projection.values() if c not in without)
    query = f'SELECT {columns} FROM "{meta.db_table}" WHERE {condition}'  # noqa: S608 - names from the model, values as parameters
    if order:
        query += f" ORDER BY {order}"
    return [build(row) for row in await Sql().records(query, params)]


@cache
def _builder(model: type[M], without: frozenset[str]) -> Callable[[Mapping[str, Any]], M]:
    """`model._init_from_db` for a row read by `rows_where`, in half its time (3.5 vs 7 us a
    scan; a first view of a page builds 40): each column's conversion looked up once, not per
    row, and the attributes set at once rather than one `__setattr__` at a time. The same
    attributes as `_init_from_db` sets (test_intake.py holds the two alike)."""
    meta = model._meta
    plain = [(key, name) for key, name, _ in meta.db_native_fields if key not in without]
    typed = [(k, name, f.field_type) for k, name, f in meta.db_default_fields if k not in without]
    converted = [
        (key, name, field.to_python_value)
        for key, name, field in meta.db_complex_fields
        if key not in without
    ]
    state = {
        "_partial": bool(without),
        "_saved_in_db": True,
        "_custom_generated_pk": meta.db_pk_column not in meta.generated_db_fields,
    }
    new = model.__new__

    def build(row: Mapping[str, Any]) -> M:
        values: dict[str, Any] = {**state, "_await_when_save": {}}
        for key, name in plain:
            values[name] = row[key]
        for key, name, to_type in typed:
            value = row[key]
            values[name] = value if value is None else to_type(value)
        for key, name, to_python in converted:
            values[name] = to_python(row[key])
        built = new(model)
        built.__dict__.update(values)
        return built

    return build
