"""What several benchmarks share: PostgreSQL databases of their own, and a printed table."""

from typing import Any

import asyncpg


async def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database named in `url` if missing (or drop and recreate it, `fresh`).
    SQLite files need nothing: the first connection creates them."""
    if not url.startswith("postgres://"):
        return
    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if fresh:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if fresh or not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def table(results: dict[str, Any]) -> str:
    """Nested results as aligned `figure  value` lines, for people; the JSON file is for tools."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        else:
            rows.append(
                (
                    prefix,
                    f"{value:,}"
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else str(value),
                )
            )

    walk("", results)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>14}" for name, value in rows)
