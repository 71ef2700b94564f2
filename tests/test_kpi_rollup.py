"""The dashboard reads weeks the worker rolled up: the same figures as measuring the database
now, without scanning the period on every view, and never silently stale."""

from datetime import UTC, datetime, timedelta

from notifier.kpi_rollup import refresh_all_kpis, refresh_recent_kpis
from porchlight.insight import kpi_rollup
from porchlight.insight.contacts import ContactIn, record_contact
from porchlight.insight.kpis import monday, weekly
from porchlight.models import Contact, Customer, KpiWeek
from porchlight.platform.clock import utcnow
from tests.factories import a_brand
from tests.test_kpis import NOW, a_shipment, data_set  # noqa: F401 - the hand-made data set


async def test_the_rolled_up_dashboard_shows_what_measuring_the_database_shows(data_set):  # noqa: F811
    await kpi_rollup.refresh(data_set, weeks=2, now=NOW)
    rolled = await kpi_rollup.dashboard(data_set, weeks=2, now=NOW + timedelta(minutes=1))
    live = await weekly(data_set, weeks=2, now=NOW)
    assert rolled.series == live.series
    assert rolled.breakdowns == live.breakdowns
    assert rolled.as_of == NOW


async def test_a_first_view_measures_the_missing_weeks_once_and_keeps_them(data_set):  # noqa: F811
    report = await kpi_rollup.dashboard(data_set, weeks=8, now=NOW)
    assert report.series["shipments"][-2:] == [4, 2]
    assert await KpiWeek.filter(brand=data_set).count() == 8
    assert report.as_of == NOW


async def test_the_current_week_is_measured_again_on_view_once_the_worker_falls_behind(data_set):  # noqa: F811
    await kpi_rollup.refresh(data_set, weeks=2, now=NOW)
    customer = await Customer.get(brand=data_set)
    await a_shipment(data_set, customer, 7, NOW - timedelta(hours=1), "WH-A", "L1")
    soon = await kpi_rollup.dashboard(data_set, weeks=2, now=NOW + timedelta(minutes=5))
    assert soon.series["shipments"] == [4, 2] and soon.as_of == NOW  # says how old it is
    later = NOW + kpi_rollup.STALE_AFTER + timedelta(minutes=1)
    caught_up = await kpi_rollup.dashboard(data_set, weeks=2, now=later)
    assert caught_up.series["shipments"] == [4, 3]


async def test_the_workers_jobs_roll_up_every_brand():
    northwind, _ = await a_brand()
    fjord, _ = await a_brand("fjord", host="fjord.example.com")
    assert await refresh_recent_kpis({}) == 2
    assert await KpiWeek.filter(brand=fjord).count() == kpi_rollup.SETTLING_WEEKS
    assert await refresh_all_kpis({}) == 2
    assert await KpiWeek.filter(brand=northwind).count() == kpi_rollup.NIGHTLY_WEEKS


async def test_a_contact_imported_for_an_old_week_counts_on_the_next_view():
    brand, _ = await a_brand()
    await refresh_all_kpis({})
    five_weeks_ago = utcnow() - timedelta(weeks=5)
    contact, _ = await record_contact(
        brand, ContactIn(channel="email", reason="wismo", occurred_at=five_weeks_ago)
    )
    assert await Contact.filter(brand=brand).count() == 1
    report = await kpi_rollup.dashboard(brand, weeks=8)
    week = report.weeks.index(monday(contact.occurred_at.astimezone(UTC).date()))
    assert report.series["views_per_contact"][week] == 0.0  # 0 views ÷ 1 contact (None at 0)
    [row] = await KpiWeek.filter(brand=brand, week=report.weeks[week])
    assert row.figures["contacts"] == 1 and row.computed_at > five_weeks_ago
    assert isinstance(row.computed_at, datetime)
