"""What several benchmarks share: PostgreSQL databases of their own, the volume data set,
median timings, printed tables, and the one interface (`Bench.rows`) through which every bench
gives `make bench` its figures."""

import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

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


@dataclass(frozen=True)
class Target:
    """What a figure must reach: its ratio to its floor (`of="ratio"`) or the figure itself."""

    bound: float
    at_most: bool = False  # "≤ bound" (times, growth); otherwise "≥ bound" (rates, ratios)
    of: str = "ratio"

    def met(self, value: float, ratio: float | None) -> bool | None:
        measured = ratio if self.of == "ratio" else value
        if measured is None:
            return None
        return measured <= self.bound if self.at_most else measured >= self.bound

    def __str__(self) -> str:
        sign = "≤" if self.at_most else "≥"
        return f"{'ratio ' if self.of == 'ratio' else ''}{sign} {self.bound:g}"


@dataclass(frozen=True)
class Row:
    """One line of `make bench`'s table: a figure, the floor of the same work measured in the
    same run (when there is one), and the issue's target for it."""

    figure: str  # what was measured, and in what unit
    value: float
    floor: str = ""  # what the figure is compared with
    floor_value: float | None = None
    target: Target | None = None
    note: str = ""  # how it was measured (rounds, sizes), when the figure's name can't say

    @property
    def ratio(self) -> float | None:
        return None if not self.floor_value else self.value / self.floor_value

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.value, self.ratio)


class Bench(Protocol):
    """What each module of bench/ offers `python -m bench` (`make bench`): its rows, measured
    on a small data set, or at full size (1M shipments: about 45 minutes of seeding) when
    `large`."""

    def rows(self, large: bool) -> list[Row]: ...


ROWS_FILE = "BENCH_ROWS_FILE"


def emit(module: str, large: bool) -> None:
    """Run `module`'s bench and write its rows as JSON where `run_rows` reads them: each bench
    runs in a process of its own (its environment, its ORM state, fuzzing's instrumentation)."""
    bench = cast(Bench, importlib.import_module(module))
    rows = bench.rows(large)
    Path(os.environ[ROWS_FILE]).write_text(json.dumps([_as_json(row) for row in rows]))


def _as_json(row: Row) -> dict[str, Any]:
    return {**asdict(row), "target": asdict(row.target) if row.target else None}


def run_rows(module: str, large: bool) -> list[Row]:
    """`module`'s rows, from a process of its own; a bench that fails gives one row saying so."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        code = "import sys; from bench.support import emit; emit(sys.argv[1], sys.argv[2] == '1')"
        done = subprocess.run(
            [sys.executable, "-c", code, module, "1" if large else "0"],
            env={**os.environ, ROWS_FILE: out.name},
            check=False,
        )
        text = Path(out.name).read_text()
    if done.returncode or not text:
        return [Row(f"{module}: FAILED (exit {done.returncode}, see above)", math.nan)]
    return [
        Row(**{**r, "target": Target(**r["target"]) if r["target"] else None})
        for r in json.loads(text)
    ]


def _figure(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.{0 if abs(value) >= 100 else 3 if abs(value) < 1 else 1}f}"


def rows_table(rows: list[Row]) -> str:
    """The one table `make bench` prints: each figure, its floor, the ratio, the target, and
    whether it is met."""
    header = ("figure", "value", "floor", "floor value", "ratio", "target", "met")
    lines = [
        (
            row.figure,
            _figure(row.value),
            row.floor or "-",
            _figure(row.floor_value),
            _figure(row.ratio),
            str(row.target) if row.target else "-",
            {True: "met", False: "NOT MET", None: "-"}[row.met],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    right = {1, 3, 4}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    notes = [f"  {row.figure}: {row.note}" for row in rows if row.note]
    rule = "-" * len(line(header))
    noted = ["notes:", *notes] if notes else []
    return "\n".join([line(header), rule, *map(line, lines), *noted])
