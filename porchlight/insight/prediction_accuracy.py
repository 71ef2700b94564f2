"""The KPI page's weekly accuracy of predicted delivery dates, ours beside the carriers', as
the worker's daily replay (porchlight.edd.accuracy) stored it."""

from dataclasses import dataclass
from datetime import date

from porchlight.models import Brand, EddAccuracy


@dataclass(frozen=True)
class Figures:
    parcels: int
    on_time_rate: float  # %
    exact_day_rate: float  # %
    mae_days: float


@dataclass(frozen=True)
class Week:
    monday: date
    ours: Figures | None
    carriers: Figures | None


def _figures(row: EddAccuracy | None) -> Figures | None:
    if row is None or not row.parcels:
        return None
    return Figures(
        parcels=row.parcels,
        on_time_rate=round(row.on_time * 100 / row.parcels, 1),
        exact_day_rate=round(row.exact * 100 / row.parcels, 1),
        mae_days=round(row.abs_error_days / row.parcels, 2),
    )


async def weekly(brand: Brand, mondays: list[date]) -> list[Week]:
    rows = await EddAccuracy.filter(brand_id=brand.id, week__in=mondays)
    by_week = {(r.week, r.source): r for r in rows}
    return [
        Week(m, _figures(by_week.get((m, "ours"))), _figures(by_week.get((m, "carriers"))))
        for m in mondays
    ]
