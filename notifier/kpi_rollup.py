"""The KPI rollup as cron jobs: recent weeks every few minutes, every shown week nightly."""

from typing import Any

from porchlight.insight.kpi_rollup import NIGHTLY_WEEKS, refresh
from porchlight.models import Brand


async def refresh_recent_kpis(ctx: dict[str, Any]) -> int:
    brands = await Brand.all()
    for brand in brands:
        await refresh(brand)
    return len(brands)


async def refresh_all_kpis(ctx: dict[str, Any]) -> int:
    brands = await Brand.all()
    for brand in brands:
        await refresh(brand, NIGHTLY_WEEKS)
    return len(brands)
