"""The KPI dashboard at two sizes of history, on PostgreSQL: it must not grow with history.

    .venv/bin/python -m bench.kpis [--shipments N] [--small N] [--weeks W]

Seeds (or tops up) brand "volume" with N shipments (default 1,000,000) and brand "volume-small"
with --small (default 50,000), with `porchlight seed-volume`'s generator: a year of traffic, ten
events each, 5% with a case, 3% with a contact. The worker's nightly rollup runs once for each
(timed). Then, in-process through the real app as a signed-in lead: GET /agent/kpis?weeks=W for
each brand (median of 5), beside the floor of any signed-in page in the same run (the login page
and /healthz), and the same figures measured live from the database (kpis.weekly, what every
view cost before the rollup). Targets (issue 22): dashboard on N < 100 ms, and its time at N ÷
its time at --small ≤ 1.5.
Database: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/porchlight_bench (created if
missing). Redis for the app: BENCH_REDIS_URL, default redis://127.0.0.1:6379/14.
"""

import argparse
import asyncio
import os
import re
import secrets
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from bench.support import Row, Target, ensure_database, median_ms, seeded_volume, write_results
from porchlight.accounts.agents import upsert_agent
from porchlight.insight import kpi_rollup, kpis
from porchlight.models import Case, Contact, Shipment, TrackingEvent
from porchlight.platform.db import migrate
from porchlight.platform.settings import Settings
from portal.app import create_app

RESULTS = Path(__file__).resolve().parent / "results" / "kpis.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/porchlight_bench"
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway bench account


async def timed(work, runs: int) -> float:  # type: ignore[no-untyped-def]
    return await median_ms(lambda _: work(), range(runs))


async def main(shipments: int, small: int, weeks: int) -> dict[str, object]:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    await ensure_database(url)
    settings = Settings(
        database_url=url,
        secret_key=SecretStr("bench-" + secrets.token_urlsafe(32)),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    )
    await migrate(settings.database_url)
    async with LifespanManager(create_app(settings)) as manager:
        brand, seconds = await seeded_volume(shipments)
        little, little_seconds = await seeded_volume(small, "volume-small")
        await upsert_agent("lead@volume.invalid", PASSWORD, "lead", ["volume", "volume-small"])
        counts = {
            "shipments": await Shipment.filter(brand=brand).count(),
            "shipments_small": await Shipment.filter(brand=little).count(),
            "events": await TrackingEvent.all().count(),
            "cases": await Case.filter(brand=brand).count(),
            "contacts": await Contact.filter(brand=brand).count(),
        }
        began = time.perf_counter()
        await kpi_rollup.refresh(brand, kpi_rollup.NIGHTLY_WEEKS)
        rollup_seconds = time.perf_counter() - began
        await kpi_rollup.refresh(little, kpi_rollup.NIGHTLY_WEEKS)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://b.example") as client:
            login = await client.get("/agent/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            await client.post(
                "/agent/login",
                data={"email": "lead@volume.invalid", "password": PASSWORD, "csrf_token": token},
            )

            def dashboard(slug: str):  # type: ignore[no-untyped-def]
                async def view() -> None:
                    response = await client.get(f"/agent/kpis?brand={slug}&weeks={weeks}")
                    response.raise_for_status()

                return view

            async def health() -> None:
                (await client.get("/healthz")).raise_for_status()

            await dashboard("volume")()  # warm
            big_ms = await timed(dashboard("volume"), 5)
            small_ms = await timed(dashboard("volume-small"), 5)
            live_ms = await timed(lambda: kpis.weekly(brand, weeks), 3)
            health_ms = await timed(health, 30)
            client.cookies.clear()

            async def login_page() -> None:
                (await client.get("/agent/login")).raise_for_status()

            login_ms = await timed(login_page, 30)
    growth = big_ms / small_ms
    return {
        "database": url.split(":", 1)[0],
        **counts,
        "weeks_shown": weeks,
        "seed_seconds_this_run": round(seconds + little_seconds, 1),
        "nightly_rollup_seconds": round(rollup_seconds, 2),
        "dashboard_median_ms": round(big_ms, 1),
        "dashboard_small_median_ms": round(small_ms, 1),
        "dashboard_growth_ratio": round(growth, 2),
        "live_measurement_median_ms": round(live_ms, 1),
        "healthz_median_ms": round(health_ms, 2),
        "login_page_median_ms": round(login_ms, 2),
        "dashboard_over_login_page": round(big_ms / login_ms, 1),
        "target_under_100_ms": "met" if big_ms < 100 else "not met",
        "target_growth_at_most_1_5": "met" if growth <= 1.5 else "not met",
    }


def rows(large: bool) -> list[Row]:
    """For `make bench`: 1,000,000 and 50,000 shipments (20,000 and 2,000 on the small data set,
    in a database of its own: DATABASE_URL, or BENCH_SMALL_DATABASE_URL's (default: the large
    one's) name + "_small")."""
    if not large:
        named = os.environ.get("BENCH_SMALL_DATABASE_URL", DEFAULT_URL)
        os.environ.setdefault("DATABASE_URL", named + "_small")
    big, small = (1_000_000, 50_000) if large else (20_000, 2_000)
    outcome = asyncio.run(main(big, small, 13))
    write_results(RESULTS, outcome)
    dashboard = float(outcome["dashboard_median_ms"])  # type: ignore[arg-type]
    return [
        Row(f"KPI dashboard, ms ({big:,} shipments)", dashboard, target=Target(100, True, "value")),
        Row(
            f"KPI dashboard, ms ({big:,} shipments)",
            dashboard,
            f"the same, {small:,} shipments",
            float(outcome["dashboard_small_median_ms"]),  # type: ignore[arg-type]
            Target(1.5, at_most=True),
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=13)
    args = parser.parse_args()
    outcome = asyncio.run(main(args.shipments, args.small, args.weeks))
    write_results(RESULTS, outcome)
    for key, value in outcome.items():
        print(f"{key:28} {value}")
