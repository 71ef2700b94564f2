"""The KPI dashboard on a year of data, on PostgreSQL.

    .venv/bin/python -m bench.kpis [--shipments N] [--weeks W]

Seeds (or tops up) brand "volume" with `porchlight seed-volume`'s generator: N shipments
(default 1,000,000), ten events each, 5% with a case, 3% with a contact. Then, in-process through
the real app as a signed-in lead: GET /agent/kpis?weeks=W (median of 5) and the same figures
computed directly (kpis.weekly), against GET /healthz and the login page in the same run.
Database: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/porchlight_bench (created if
missing). Redis for the app: BENCH_REDIS_URL, default redis://127.0.0.1:6379/14.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from bench.support import ensure_database
from porchlight.accounts.agents import upsert_agent
from porchlight.insight import kpis
from porchlight.insight.volume import seed_volume
from porchlight.models import Brand, Case, Contact, Shipment, TrackingEvent
from porchlight.platform.db import migrate
from porchlight.platform.settings import Settings
from portal.app import create_app

RESULTS = Path(__file__).resolve().parent / "results" / "kpis.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/porchlight_bench"
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway bench account


async def timed(work, runs: int) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        await work()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


async def main(shipments: int, weeks: int) -> dict[str, object]:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    await ensure_database(url)
    settings = Settings(
        database_url=url,
        secret_key=SecretStr("bench-" + secrets.token_urlsafe(32)),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    )
    await migrate(settings.database_url)
    async with LifespanManager(create_app(settings)) as manager:
        began = time.perf_counter()
        async for done in seed_volume("volume", shipments):
            if done % 50_000 < 2000:
                print(f"  seeded {done:,} shipments", flush=True)
        seeded = time.perf_counter() - began
        brand = await Brand.get(slug="volume")
        await upsert_agent("lead@volume.invalid", PASSWORD, "lead", ["volume"])
        counts = {
            "shipments": await Shipment.filter(brand=brand).count(),
            "events": await TrackingEvent.all().count(),
            "cases": await Case.filter(brand=brand).count(),
            "contacts": await Contact.filter(brand=brand).count(),
        }
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://b.example") as client:
            login = await client.get("/agent/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            await client.post(
                "/agent/login",
                data={"email": "lead@volume.invalid", "password": PASSWORD, "csrf_token": token},
            )

            async def dashboard() -> None:
                response = await client.get(f"/agent/kpis?brand=volume&weeks={weeks}")
                response.raise_for_status()

            async def health() -> None:
                (await client.get("/healthz")).raise_for_status()

            await dashboard()  # warm
            dashboard_ms = await timed(dashboard, 5)
            direct_ms = await timed(lambda: kpis.weekly(brand, weeks), 5)
            health_ms = await timed(health, 30)
            client.cookies.clear()

            async def login_page() -> None:
                (await client.get("/agent/login")).raise_for_status()

            login_ms = await timed(login_page, 30)
    return {
        "database": url.split(":", 1)[0],
        **counts,
        "weeks_shown": weeks,
        "seed_seconds_this_run": round(seeded, 1),
        "dashboard_median_ms": round(dashboard_ms, 1),
        "kpi_queries_median_ms": round(direct_ms, 1),
        "healthz_median_ms": round(health_ms, 2),
        "login_page_median_ms": round(login_ms, 2),
        "dashboard_over_login_page": round(dashboard_ms / login_ms, 1),
        "dashboard_over_healthz": round(dashboard_ms / health_ms, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=13)
    args = parser.parse_args()
    outcome = asyncio.run(main(args.shipments, args.weeks))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(outcome, indent=2))
    for key, value in outcome.items():
        print(f"{key:28} {value}")
