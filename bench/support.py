"""What several benchmarks share: PostgreSQL databases of their own."""

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
