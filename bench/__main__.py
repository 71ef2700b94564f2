"""Every bench in bench/, one table: `make bench` (small data sets, minutes) or
`make bench BENCH_LARGE=1` (the 1M-shipment data set: seeding it takes about 45 minutes once).

    .venv/bin/python -m bench [--large] [--only NAME ...]

Each bench runs in a process of its own and gives its rows through `Bench.rows`
(bench/support.py); a bench joins the table by being listed in BENCHES. The table is printed
and written to bench/results/bench.json, with the load average while it ran (the machine is
shared: read the ratios, each taken in the same run, not the absolute figures).
"""

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path

from bench.support import Row, rows_table, run_rows

RESULTS = Path(__file__).resolve().parent / "results" / "bench.json"
# HTTP rates first (wrk, alternating rounds), then the in-process and end-to-end benches.
BENCHES = (
    "bench.http_load",
    "bench.request_path",
    "bench.notifier_drain",
    "bench.burst",
    "bench.workspace",
    "bench.kpis",
    "bench.search",
    "bench.edd",
    "bench.fuzz",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--large",
        action="store_true",
        default=os.environ.get("BENCH_LARGE", "") not in ("", "0"),
        help="the 1M-shipment data set (also BENCH_LARGE=1)",
    )
    parser.add_argument("--only", nargs="*", default=[], help="e.g. http_load kpis")
    args = parser.parse_args()
    chosen = [b for b in BENCHES if not args.only or b.removeprefix("bench.") in args.only]
    load_before = os.getloadavg()
    rows: list[Row] = []
    for bench in chosen:
        print(f"== {bench}", flush=True)
        rows += run_rows(bench, args.large)
    load_after = os.getloadavg()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "large": args.large,
                "load_average_before": load_before,
                "load_average_after": load_after,
                "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in rows],
            },
            indent=2,
            default=str,
        )
    )
    print()
    print(rows_table(rows))
    print(
        f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in load_before)} before, "
        f"{', '.join(f'{x:.1f}' for x in load_after)} after; on "
        f"{os.cpu_count()} CPUs. Data set: {'large (1M)' if args.large else 'small'}."
    )


if __name__ == "__main__":
    main()
