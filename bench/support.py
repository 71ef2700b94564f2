"""What several benchmarks share: PostgreSQL databases of their own, the volume data set,
median timings, and the results written as JSON and printed as a table."""

import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from porchlight.insight.volume import seed_volume
from porchlight.models import Brand

T = TypeVar("T")


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


async def seeded_volume(shipments: int, slug: str = "volume") -> tuple[Brand, float]:
    """Brand `slug` with (at least) `shipments` of `porchlight seed-volume`'s data, seeding
    what is missing with progress on stdout; and the seconds that took in this run."""
    began = time.perf_counter()
    async for done in seed_volume(slug, shipments):
        if done % 50_000 < 2000:
            print(f"  {slug}: seeded {done:,} shipments", flush=True)
    return await Brand.get(slug=slug), time.perf_counter() - began


async def median_ms(work: Callable[[T], Awaitable[object]], items: Iterable[T]) -> float:
    """Median milliseconds of `await work(item)` over the items, one after another."""
    timings = []
    for item in items:
        began = time.perf_counter()
        await work(item)
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def write_results(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
