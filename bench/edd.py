"""Predicted delivery dates on the volume data set: how good (the backtest, ours beside the
carriers') and how fast (the lane refresh, a prediction read), each against a baseline
measured in the same run.

    .venv/bin/python -m bench.edd [--shipments N] [--weeks W]

Seeds (or tops up) brand "volume" with `porchlight seed-volume`'s generator: N shipments
(default 1,000,000) with lanes of their own and carriers' optimistic dates (synthetic data).
Then: the lane refresh over the brand's year (vs. a plain COUNT(*) of its delivered parcels);
a prediction read as a page reads it, one stored row (vs. the primary-key read of its order),
and computed from the lane table as the worker does; and the backtest of the last W weeks at
80% and 95%, whose figures are printed as `name: value` lines beside the targets.
Database: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/porchlight_bench_edd
(created if missing; not the KPI bench's, whose data an older generator may have written).
"""

import argparse
import asyncio
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.support import Row, Target, ensure_database, median_ms, seeded_volume, write_results
from porchlight.accounts.brand_settings import settings_of
from porchlight.edd import accuracy, predict
from porchlight.edd.lanes import Milestone, Route
from porchlight.enums import ShipmentStatus
from porchlight.models import Shipment
from porchlight.platform.clock import utcnow
from porchlight.platform.db import database, migrate
from porchlight.platform.sql import Sql

RESULTS = Path(__file__).resolve().parent / "results" / "edd.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/porchlight_bench_edd"
CONFIDENCES = [0.8, 0.95]
READS = 2000


async def main(shipments: int, weeks: int) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    await ensure_database(url)
    await migrate(url)
    async with database(url):
        brand, seeded = await seeded_volume(shipments)
        sql = Sql()

        began = time.perf_counter()
        [count] = await sql.rows(
            "SELECT COUNT(*) AS n FROM shipment WHERE brand_id = ? AND status = 'delivered'",
            [brand.id],
        )
        count_s = time.perf_counter() - began
        began = time.perf_counter()
        lanes = await predict.refresh_lanes(brand)
        refresh_s = time.perf_counter() - began

        began, flying = time.perf_counter(), 0
        async for updates in predict.update_in_flight(brand):
            flying += len(updates)
        in_flight_s = time.perf_counter() - began
        in_flight = (
            await Shipment.filter(brand=brand, predicted_delivery__not_isnull=True)
            .limit(READS)
            .select_related("order")
        )
        read = "SELECT predicted_delivery, predicted_confidence FROM shipment WHERE id = ?"
        read_ms = await median_ms(lambda s: sql.rows(read, [s.id]), in_flight)
        baseline = 'SELECT number FROM "order" WHERE id = ?'
        baseline_ms = await median_ms(lambda s: sql.rows(baseline, [s.order.id]), in_flight)
        chosen = settings_of(brand).delivery_prediction

        async def from_lanes(shipment: Shipment) -> None:
            route = Route(
                shipment.carrier,
                shipment.service,
                shipment.fulfilment_node,
                str(shipment.order.destination.get("country", "")),
                shipment.order.postcode,
                None,
            )
            stored = await predict.stored_lanes(brand.id, route)
            milestones = {Milestone.FIRST_SCAN: shipment.first_scan_at}
            predict.predict(route, milestones, utcnow().date(), stored, chosen)  # type: ignore[arg-type]

        compute_ms = await median_ms(from_lanes, in_flight)

        now = utcnow()
        began = time.perf_counter()
        results = await accuracy.replay(brand, now - timedelta(weeks=weeks), now, CONFIDENCES)
        backtest_s = time.perf_counter() - began
        predicted = await Shipment.filter(
            brand=brand, status=ShipmentStatus.IN_TRANSIT, predicted_delivery__not_isnull=True
        ).count()
    figures: dict[str, Any] = {}
    for result in results:
        for line in result.lines():
            name, value = line.split(": ", 1)
            if ".lane." not in name:
                figures[name] = value
    targets = {}
    for result in results:
        c = f"c{round(result.confidence * 100)}"
        on_time = float(figures[f"{c}.ours.first_scan.on_time_rate"])
        targets[f"{c}.calibrated_within_3_points"] = abs(on_time - result.confidence) <= 0.03
        ours, theirs = f"{c}.ours_same_parcels.first_scan", f"{c}.carriers.first_scan"
        targets[f"{c}.exact_day_rate_above_carriers"] = float(
            figures[f"{ours}.exact_day_rate"]
        ) > float(figures[f"{theirs}.exact_day_rate"])
        targets[f"{c}.mae_below_carriers"] = float(figures[f"{ours}.mae_days"]) < float(
            figures[f"{theirs}.mae_days"]
        )
    return {
        "database": url.split(":", 1)[0],
        "shipments_delivered": count["n"],
        "seed_seconds_this_run": round(seeded, 1),
        "lane_refresh_seconds": round(refresh_s, 2),
        "lanes": lanes,
        "count_delivered_seconds": round(count_s, 3),
        "lane_refresh_over_count": round(refresh_s / max(count_s, 1e-6), 1),
        "in_flight": flying,
        "in_flight_predicted": predicted,
        "in_flight_predict_seconds": round(in_flight_s, 2),
        "prediction_read_median_ms": round(read_ms, 3),
        "order_by_id_median_ms": round(baseline_ms, 3),
        "prediction_read_over_order_read": round(read_ms / baseline_ms, 2),
        "prediction_from_lanes_median_ms": round(compute_ms, 3),
        "backtest_seconds": round(backtest_s, 1),
        "targets": targets,
        "backtest": figures,
    }


def rows(large: bool) -> list[Row]:
    """For `make bench`: 1,000,000 shipments (20,000 on the small data set, in a database of
    its own: DATABASE_URL, or BENCH_SMALL_DATABASE_URL's (default: the large one's) name +
    "_small")."""
    if not large:
        named = os.environ.get("BENCH_SMALL_DATABASE_URL", DEFAULT_URL.removesuffix("_edd"))
        os.environ.setdefault("DATABASE_URL", named + "_small_edd")
    size = 1_000_000 if large else 20_000
    outcome = asyncio.run(main(size, 8))
    write_results(RESULTS, outcome)
    found = [
        Row(
            f"predicted date read, ms ({size:,} shipments)",
            outcome["prediction_read_median_ms"],
            "order read by id, ms",
            outcome["order_by_id_median_ms"],
        ),
        Row(
            "lane refresh, s",
            outcome["lane_refresh_seconds"],
            "COUNT(*) of delivered, s",
            outcome["count_delivered_seconds"],
        ),
    ]
    return found + [
        Row(f"backtest: {name}", float(held), target=Target(1, of="value"))
        for name, held in outcome["targets"].items()
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    outcome = asyncio.run(main(args.shipments, args.weeks))
    write_results(RESULTS, outcome)
    for key, value in outcome.items():
        if isinstance(value, dict):
            for name, inner in value.items():
                print(f"{name}: {inner}")
        else:
            print(f"{key}: {value}")
