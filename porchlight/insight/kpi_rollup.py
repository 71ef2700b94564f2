"""The KPI dashboard's weeks, rolled up ahead of time so a view reads one row per week.

The worker re-measures the current and the previous week every few minutes (late scans, first
responses and closes land there) and every week shown once a night (anything later still). A
view measures only what is missing, or the current week when the worker has fallen behind; a
contact recorded for an older week drops that week's row, so it is measured again."""

from datetime import date, datetime, timedelta

from porchlight.insight.kpis import Report, Week, measure, monday, mondays_until, report
from porchlight.models import Brand, KpiWeek
from porchlight.platform.clock import utcnow

SETTLING_WEEKS = 2  # refreshed every few minutes
NIGHTLY_WEEKS = 53  # refreshed once a night: a year and the week it started in
STALE_AFTER = timedelta(minutes=15)  # a current week older than this is measured on view


async def refresh(brand: Brand, weeks: int = SETTLING_WEEKS, now: datetime | None = None) -> None:
    now = now or utcnow()
    await _store(brand, await measure(brand, mondays_until(now, weeks), now), now)


async def dashboard(brand: Brand, weeks: int, now: datetime | None = None) -> Report:
    now = now or utcnow()
    mondays = mondays_until(now, weeks)
    rows = {r.week: r for r in await KpiWeek.filter(brand=brand, week__in=mondays)}
    current = monday(now.date())
    due = [
        m
        for m in mondays
        if m not in rows or (m == current and rows[m].computed_at < now - STALE_AFTER)
    ]
    figures = {week: Week.from_json(row.figures) for week, row in rows.items()}
    computed = [row.computed_at for week, row in rows.items() if week not in due]
    if due:
        # One measurement over the span the missing weeks cover, stored for next time.
        span = mondays[mondays.index(due[0]) : mondays.index(due[-1]) + 1]
        measured = await measure(brand, span, now)
        await _store(brand, measured, now)
        figures |= {week: measured[week] for week in due}
        computed.append(now)
    result = report(brand, mondays, figures)
    result.as_of = min(computed)
    return result


async def changed(brand_id: int, moment: datetime) -> None:
    """Something counted at `moment` was written late (an imported contact): a week the worker
    no longer refreshes is dropped, and measured again when next shown."""
    week = monday(moment.date())
    if week < monday(utcnow().date()) - timedelta(weeks=SETTLING_WEEKS - 1):
        await KpiWeek.filter(brand_id=brand_id, week=week).delete()


async def _store(brand: Brand, weeks: dict[date, Week], now: datetime) -> None:
    for week, figures in weeks.items():
        await KpiWeek.update_or_create(
            brand=brand, week=week, defaults={"figures": figures.to_json(), "computed_at": now}
        )
