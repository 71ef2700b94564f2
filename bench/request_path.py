"""The request path against its floors (issue 22, items 2 and 3), all measured with wrk in one
run: `/healthz` through the whole middleware stack against a bare Starlette endpoint, and a
repeat view of a tracking page (200, its page kept) and a 304 to its ETag against the bare
endpoint looking the order up in one indexed SELECT. The figures alternate in rounds (3 by
default) and the medians are compared, so a load that comes and goes on a shared machine falls
on floor and figure alike.

    .venv/bin/python -m bench.request_path [--seconds S] [--concurrency C] [--rounds R]

`request_path_figures()` is what `make bench` calls. Database: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/porchlight_load; the order of 3 parcels and 40 events that
bench.http_load makes, beside 1,000 others). Redis: BENCH_REDIS_URL (db 14).
"""

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.http_load import (
    BARE_APP,
    PATHS_LUA,
    ROOT,
    Server,
    portal_env,
    tracking_orders,
    write_lines,
    wrk_rate,
)
from bench.support import Row, Target, ensure_database, table, write_results
from porchlight.platform.db import database, migrate

RESULTS = Path(__file__).resolve().parent / "results" / "request_path.json"
HOST = "load.invalid"
# figure: (what it is divided by, the target ratio). `healthz_log_sampled`: a second portal
# logging 1% of its 2xx GETs (REQUEST_LOG_SAMPLE=0.01), to show what the lines cost.
SAMPLED = "0.01"
TARGETS = {
    "healthz": ("bare_get", 0.6),
    "healthz_log_sampled": ("bare_get", 0.6),
    "repeat_view": ("bare_one_select", 0.6),
    "not_modified": ("bare_one_select", 0.8),
}


async def request_path_figures(
    seconds: float = 5, concurrency: int = 16, rounds: int = 3
) -> dict[str, Any]:
    """Requests per second of each figure and floor (medians of `rounds`), each figure's ratio
    to its floor, the target and whether it is met; `rows` as `make bench` prints them."""
    load_before = os.getloadavg()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/porchlight_load")
    await ensure_database(url)
    await migrate(url)
    async with database(url):
        [token] = await tracking_orders("load", HOST, 1, filler=1000)
    bare_dir = Path(tempfile.mkdtemp())
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    script = bare_dir / "paths.lua"
    script.write_text(PATHS_LUA)
    bare = Server("bare_app:app", {**os.environ, "BARE_DATABASE_URL": url}, bare_dir)
    portal = Server("portal.main:app", portal_env(url), ROOT)
    sampled = Server("portal.main:app", {**portal_env(url), "REQUEST_LOG_SAMPLE": SAMPLED}, ROOT)
    try:
        page = f"/o/{token}"
        async with httpx.AsyncClient(base_url=portal.url, headers={"host": HOST}) as client:
            shown = await client.get(page)
            shown.raise_for_status()
            tag = shown.headers["etag"]
        loads: dict[str, tuple[str, str, str, dict[str, str]]] = {
            "bare_get": (bare.url, "127.0.0.1", "/", {}),
            "healthz": (portal.url, HOST, "/healthz", {}),
            "healthz_log_sampled": (sampled.url, HOST, "/healthz", {}),
            "bare_one_select": (bare.url, "127.0.0.1", page, {}),
            "repeat_view": (portal.url, HOST, page, {}),
            "not_modified": (portal.url, HOST, page, {"If-None-Match": tag}),
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in loads}
        for _ in range(rounds):
            for name, (base, host, path, headers) in loads.items():
                listed = str(write_lines(bare_dir, f"{name}.txt", [path]))
                run = wrk_rate(base, host, script, [listed], seconds, concurrency, headers)
                runs[name].append(run)
    finally:
        for server in (bare, portal, sampled):
            server.stop()
    rps = {name: statistics.median(r["rps"] for r in done) for name, done in runs.items()}
    rows = []
    for name, (floor, target) in TARGETS.items():
        ratio = round(rps[name] / rps[floor], 3)
        rows.append(
            {
                "figure": name,
                "rps": rps[name],
                "floor": floor,
                "floor_rps": rps[floor],
                "ratio": ratio,
                "target": target,
                "met": ratio >= target,
            }
        )
    return {
        "seconds": seconds,
        "concurrency": concurrency,
        "rounds": rounds,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "runs": runs,
        "rows": rows,
    }


def rows(large: bool) -> list[Row]:
    """For `make bench` (the data set is the same at either size: one order's page)."""
    outcome = asyncio.run(request_path_figures())
    write_results(RESULTS, outcome)
    return [
        Row(
            f"{row['figure']}, requests/s",
            row["rps"],
            f"{row['floor']}, requests/s",
            row["floor_rps"],
            Target(row["target"]),
        )
        for row in outcome["rows"]
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    outcome = asyncio.run(request_path_figures(args.seconds, args.concurrency, args.rounds))
    write_results(RESULTS, outcome)
    print(table({row["figure"]: row for row in outcome["rows"]}))
    print("load average (1, 5, 15 min) before and after:", outcome["load_average"])
