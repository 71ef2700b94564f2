"""`porchlight seed-volume`: a year of synthetic traffic, resumable, that the KPIs read."""

import asyncio
import os
import sys
from pathlib import Path

from porchlight.insight.kpis import weekly
from porchlight.models import Brand, Case, Shipment, TrackingEvent


async def seed(settings, shipments: int) -> str:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SECRET_KEY": "x" * 40}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("porchlight")),
        "seed-volume",
        "--shipments",
        str(shipments),
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode()


async def test_seed_volume_builds_a_year_the_kpis_can_read_and_resumes(settings):
    out = await seed(settings, 400)
    assert "brand volume: 400 shipments" in out
    brand = await Brand.get(slug="volume")
    assert await Shipment.filter(brand=brand).count() == 400
    events = await TrackingEvent.filter(tracking_number__startswith="VT").count()
    assert 400 * 2 <= events <= 400 * 10
    assert 0 < await Case.filter(brand=brand).count() < 400 * 0.15
    report = await weekly(brand, weeks=52)
    assert sum(report.series["shipments"]) > 350  # shipped over the last year
    assert report.series["page_views"][-2] > 0
    await seed(settings, 600)  # resumes: only 200 more
    assert await Shipment.filter(brand=brand).count() == 600
