"""The agent workspace at size: the queue page with 5,000 open cases, and the exception sweep
over 100,000 in-transit shipments, each against a baseline measured in the same run.

    .venv/bin/python -m bench.workspace [--cases N] [--shipments N]

Queue: GET /agent/ in-process (httpx ASGITransport, a signed-in lead), median of 30, against
GET /healthz and the login page (a template, no queries) through the same app. Sweep: one
full `porchlight sweep` run against a plain COUNT(*) of the same in-transit shipments.
Database: a fresh SQLite file, or DATABASE_URL. Redis (the app's pool): BENCH_REDIS_URL, default redis://127.0.0.1:6379/14.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from bench.support import Row
from porchlight.accounts.agents import upsert_agent
from porchlight.accounts.brands import create_brand
from porchlight.cases.sweep import sweep
from porchlight.enums import CaseSource, CaseState, ExceptionType, ShipmentStatus
from porchlight.models import Case, Customer, Order, Shipment
from porchlight.platform.clock import utcnow
from porchlight.platform.db import migrate
from porchlight.platform.settings import Settings
from portal.app import create_app

RESULTS = Path(__file__).resolve().parent / "results" / "workspace.json"
BATCH = 1000
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway bench account
STALLED_SHARE = 100  # one in a hundred in-transit parcels has not moved for 5 days


async def seed(cases: int, shipments: int) -> None:
    brand = await create_brand("bench", "Bench", ["bench.example"])
    await upsert_agent("lead@bench.example", PASSWORD, "lead", ["bench"])
    customer = await Customer.create(brand=brand, email="shopper@bench.example")
    now = utcnow()
    total = max(cases, shipments)
    for start in range(0, total, BATCH):
        stop = min(start + BATCH, total)
        await Order.bulk_create(
            [
                Order(
                    brand=brand,
                    customer=customer,
                    number=f"B-{i}",
                    access_token=secrets.token_urlsafe(16),
                )
                for i in range(start, stop)
            ]
        )
        orders = await Order.filter(number__in=[f"B-{i}" for i in range(start, stop)]).order_by(
            "id"
        )
        await Shipment.bulk_create(
            [
                Shipment(
                    brand=brand,
                    order=order,
                    carrier="dhl",
                    tracking_number=f"BT{order.id:09d}",
                    status=ShipmentStatus.IN_TRANSIT,
                    shipped_at=now - timedelta(days=6),
                    first_scan_at=now - timedelta(days=6),
                    last_event_at=now - timedelta(days=5 if order.id % STALLED_SHARE == 0 else 1),
                )
                for order in orders
            ]
        )
    shipments_with_cases = await Shipment.all().order_by("id").limit(cases)
    for start in range(0, len(shipments_with_cases), BATCH):
        await Case.bulk_create(
            [
                Case(
                    brand=brand,
                    shipment=s,
                    type=ExceptionType.FAILED_ATTEMPT,
                    source=CaseSource.CARRIER,
                    state=CaseState.OPEN,
                    priority_flags=["vip"] if s.id % 7 == 0 else [],
                    sla_due_at=now + timedelta(minutes=s.id % 600 - 300),
                    resolution_due_at=now + timedelta(days=5),
                    next_due_at=now + timedelta(minutes=s.id % 600 - 300),
                    open_key=f"{s.id}:failed_attempt",
                )
                for s in shipments_with_cases[start : start + BATCH]
            ]
        )


async def median_ms(client: httpx.AsyncClient, path: str, runs: int = 30) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        response = await client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return statistics.median(timings)


async def main(cases: int, shipments: int) -> dict[str, object]:
    url = os.environ.get("DATABASE_URL") or f"sqlite://{tempfile.mkdtemp()}/bench.sqlite3"
    settings = Settings(
        database_url=url,
        secret_key=SecretStr("bench-" + secrets.token_urlsafe(32)),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    )
    await migrate(settings.database_url)
    async with LifespanManager(create_app(settings)) as manager:  # opens the ORM for us too
        began = time.perf_counter()
        await seed(cases, shipments)
        seeded = time.perf_counter() - began
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://bench.example"
        ) as client:
            login = await client.get("/agent/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            await client.post(
                "/agent/login",
                data={"email": "lead@bench.example", "password": PASSWORD, "csrf_token": token},
            )
            page = await client.get("/agent/")
            assert f"{cases:,}".replace(",", "") in page.text.replace(",", ""), (
                "queue shows the total"
            )
            queue_ms = await median_ms(client, "/agent/")
            health_ms = await median_ms(client, "/healthz")
            client.cookies.clear()
            login_ms = await median_ms(client, "/agent/login")  # a template page, no queries
        began = time.perf_counter()
        count = await Shipment.filter(status=ShipmentStatus.IN_TRANSIT).count()
        count_s = time.perf_counter() - began
        began = time.perf_counter()
        report = await sweep()
        sweep_s = time.perf_counter() - began
    result = {
        "database": url.split(":", 1)[0],
        "open_cases": cases,
        "in_transit_shipments": count,
        "seed_seconds": round(seeded, 2),
        "queue_page_median_ms": round(queue_ms, 2),
        "healthz_median_ms": round(health_ms, 2),
        "queue_over_healthz": round(queue_ms / health_ms, 1),
        "login_page_median_ms": round(login_ms, 2),
        "queue_over_login_page": round(queue_ms / login_ms, 1),
        "sweep_seconds": round(sweep_s, 3),
        "sweep_opened": dict(report.opened),
        "count_in_transit_seconds": round(count_s, 4),
        "sweep_over_count": round(sweep_s / count_s, 1),
    }
    return result


def rows(large: bool) -> list[Row]:
    """For `make bench`: 5,000 open cases and 100,000 in transit (500 and 10,000 when small)."""
    outcome = asyncio.run(main(5000, 100_000) if large else main(500, 10_000))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(outcome, indent=2))
    return [
        Row(
            f"agent queue page, ms ({outcome['open_cases']:,} open cases)",
            float(outcome["queue_page_median_ms"]),  # type: ignore[arg-type]
            "login page, ms",
            float(outcome["login_page_median_ms"]),  # type: ignore[arg-type]
        ),
        Row(
            f"exception sweep, s ({outcome['in_transit_shipments']:,} in transit)",
            float(outcome["sweep_seconds"]),  # type: ignore[arg-type]
            "COUNT(*) of them, s",
            float(outcome["count_in_transit_seconds"]),  # type: ignore[arg-type]
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--shipments", type=int, default=100_000)
    args = parser.parse_args()
    outcome = asyncio.run(main(args.cases, args.shipments))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(outcome, indent=2))
    for key, value in outcome.items():
        print(f"{key:28} {value}")
