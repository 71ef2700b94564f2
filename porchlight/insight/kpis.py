"""The weekly control loop's numbers, per brand, computed in the database.

Weeks are ISO weeks (Monday 00:00 UTC to the next Monday). Each figure below is an aggregate
query grouped by week or by a dimension; nothing loads rows into Python. The definitions
(`KPIS`, `BREAKDOWNS`) are what the dashboard shows beside each chart, and what the tests pin
down on a hand-made data set.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand
from porchlight.platform.clock import utcnow
from porchlight.platform.sql import Sql
from porchlight.tracking.status_text import N_

TOP_SKUS = 10


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    unit: str
    definition: str


KPIS: list[Kpi] = [
    Kpi(
        "shipments",
        N_("Outbound shipments"),
        N_("count"),
        N_("Outbound shipments by week shipped."),
    ),
    Kpi(
        "wismo_per_1000",
        N_("WISMO contacts per 1,000 shipments"),
        N_("per 1,000"),
        N_("WISMO and WISMR contacts in the week × 1,000 ÷ outbound shipments shipped that week."),
    ),
    Kpi(
        "refund_reship_rate",
        N_("Refund or reship rate"),
        "%",
        N_("Cases with a refund or reship recorded that week ÷ shipments shipped that week × 100."),
    ),
    Kpi(
        "first_response_hours",
        N_("Time to first response"),
        N_("hours"),
        N_(
            "Mean hours from a case opening to its first agent action, by week opened "
            "(cases not yet answered are left out)."
        ),
    ),
    Kpi(
        "close_hours",
        N_("Time to close"),
        N_("hours"),
        N_("Mean hours from opening to closing, for cases closed that week."),
    ),
    Kpi(
        "activation_rate",
        N_("On-time tracking activation"),
        "%",
        N_(
            "Shipments whose first carrier scan came within the brand's activation window "
            "(24 h by default) of shipping ÷ shipments shipped that week × 100."
        ),
    ),
    Kpi(
        "exception_rate",
        N_("Exception rate"),
        "%",
        N_("Cases opened that week ÷ shipments shipped that week × 100."),
    ),
    Kpi(
        "delay_coverage",
        N_("Proactive coverage of delays"),
        "%",
        N_(
            "Delay cases opened that week whose customer got a delay message before any contact "
            "about the order ÷ delay cases opened that week × 100."
        ),
    ),
    Kpi(
        "unresolved_age_hours",
        N_("Average age of unresolved exceptions"),
        N_("hours"),
        N_("At the end of the week (or now, for this week): mean age of the cases still open."),
    ),
    Kpi(
        "sla_breach_rate",
        N_("SLA breach rate"),
        "%",
        N_(
            "Cases opened that week whose first response came after its due time, or is still "
            "missing past it ÷ cases opened that week × 100."
        ),
    ),
    Kpi("page_views", N_("Tracking page views"), N_("count"), N_("Tracking page views that week.")),
    Kpi(
        "views_per_contact",
        N_("Self-serve views per contact"),
        N_("ratio"),
        N_("Tracking page views ÷ WISMO and WISMR contacts, that week."),
    ),
]

BREAKDOWNS: list[Kpi] = [
    Kpi(
        "dnr_by_lane",
        N_("Delivered-not-received rate by lane"),
        "%",
        N_(
            "Delivered-not-received cases opened in the period ÷ shipments delivered in the "
            "period, per lane, × 100."
        ),
    ),
    Kpi(
        "no_first_scan_by_node",
        N_("No-first-scan rate by fulfilment node"),
        "%",
        N_(
            "No-first-scan cases opened in the period ÷ shipments shipped in the period, per "
            "node, × 100."
        ),
    ),
    Kpi(
        "exceptions_by_node",
        N_("Exception rate by fulfilment node"),
        "%",
        N_(
            "Cases of any type opened in the period ÷ shipments shipped in the period, per node, "
            "× 100."
        ),
    ),
    Kpi(
        "damage_by_sku",
        N_("Top SKUs by damage rate"),
        "%",
        N_(
            "Shipments carrying the SKU with a damage case opened in the period ÷ shipments "
            "carrying the SKU shipped in the period × 100; the ten highest."
        ),
    ),
    Kpi(
        "close_codes",
        N_("Close codes"),
        N_("count"),
        N_("Cases closed in the period, by close code: what to prevent next."),
    ),
]


@dataclass
class Report:
    brand: Brand
    weeks: list[date]
    series: dict[str, list[float | None]] = field(default_factory=dict)
    breakdowns: dict[str, list[tuple[str, float, int]]] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.weeks[0], time(0), UTC)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _ratio(top: float | None, bottom: float | None, scale: float = 1.0) -> float | None:
    if top is None or not bottom:
        return None
    return round(top * scale / bottom, 2)


async def weekly(brand: Brand, weeks: int = 8, now: datetime | None = None) -> Report:
    now = now or utcnow()
    mondays = [monday(now.date()) - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    report = Report(brand, mondays)
    sql = Sql()
    start, end = report.start, now
    b = brand.id
    w = sql.week

    window = settings_of(brand).activation_hours
    # One scan of the period's shipments gives the weekly counts and the per-node denominators.
    shipped: dict[date, float] = {}
    activated: dict[date, float] = {}
    by_node: dict[str, int] = {}
    for row in await sql.rows(
        f"SELECT {w('shipped_at')} AS week, fulfilment_node AS node, COUNT(*) AS n, "
        f"SUM(CASE WHEN {sql.hours('shipped_at', 'first_scan_at')} <= ? THEN 1 ELSE 0 END) "
        "AS activated FROM shipment "
        "WHERE brand_id = ? AND direction = 'outbound' AND shipped_at >= ? AND shipped_at < ? "
        "GROUP BY week, fulfilment_node",
        [window, b, start, end],
    ):
        week = date.fromisoformat(row["week"]) if isinstance(row["week"], str) else row["week"]
        shipped[week] = shipped.get(week, 0.0) + int(row["n"])
        activated[week] = activated.get(week, 0.0) + int(row["activated"] or 0)
        by_node[row["node"]] = by_node.get(row["node"], 0) + int(row["n"])
    # Every case figure by week opened, in one scan of the brand's cases.
    cases = await sql.columns_by_week(
        f"SELECT {w('c.opened_at')} AS week, COUNT(*) AS n, "
        "SUM(CASE WHEN c.first_action_at > c.sla_due_at OR "
        "(c.first_action_at IS NULL AND c.sla_due_at < ?) THEN 1 ELSE 0 END) AS breached, "
        f"AVG({sql.hours('c.opened_at', 'c.first_action_at')}) AS first_response, "
        "SUM(CASE WHEN c.type = 'delay' THEN 1 ELSE 0 END) AS delays "
        'FROM "case" c WHERE c.brand_id = ? AND c.opened_at >= ? AND c.opened_at < ? '
        "GROUP BY week",
        [now, b, start, end],
    )
    opened, breached = cases.get("n", {}), cases.get("breached", {})
    first_response = cases.get("first_response", {})
    delays = cases.get("delays", {})
    covered = await sql.by_week(
        f'SELECT {w("c.opened_at")} AS week, COUNT(*) AS n FROM "case" c '
        "JOIN shipment s ON s.id = c.shipment_id "
        "WHERE c.brand_id = ? AND c.type = 'delay' AND c.opened_at >= ? AND c.opened_at < ? "
        "AND EXISTS (SELECT 1 FROM notification n WHERE n.shipment_id = c.shipment_id "
        "AND n.trigger = 'delay' AND n.sent_at IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM contact k WHERE k.order_id = s.order_id "
        "AND k.occurred_at < n.sent_at)) "
        "GROUP BY week",
        [b, start, end],
    )
    contacts = await sql.by_week(
        f"SELECT {w('occurred_at')} AS week, COUNT(*) AS n FROM contact "
        "WHERE brand_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY week",
        [b, start, end],
    )
    refunds = await sql.by_week(
        f"SELECT {w('e.created_at')} AS week, COUNT(DISTINCT e.case_id) AS n "
        'FROM case_entry e JOIN "case" c ON c.id = e.case_id '
        "WHERE c.brand_id = ? AND e.kind IN ('customer:refund', 'customer:reship') "
        "AND e.created_at >= ? AND e.created_at < ? GROUP BY week",
        [b, start, end],
    )
    to_close = await sql.by_week(
        f"SELECT {w('closed_at')} AS week, AVG({sql.hours('opened_at', 'closed_at')}) AS n "
        'FROM "case" WHERE brand_id = ? AND closed_at >= ? AND closed_at < ? GROUP BY week',
        [b, start, end],
    )
    views = await sql.by_week(
        f"SELECT {sql.week_of_date('day')} AS week, SUM(views) AS n FROM page_view_day "
        "WHERE brand_id = ? AND day >= ? AND day <= ? GROUP BY week",
        [b, start.date(), end.date()],
    )
    ages: dict[date, float] = {}
    for week in mondays:
        as_of = min(datetime.combine(week + timedelta(weeks=1), time(0), UTC), now)
        [row] = await sql.rows(
            f'SELECT AVG({sql.hours("opened_at", sql.moment())}) AS n FROM "case" '
            "WHERE brand_id = ? AND opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)",
            [as_of, b, as_of, as_of],
        )
        if row["n"] is not None:
            ages[week] = round(float(row["n"]), 2)

    def series(values: dict[date, float]) -> list[float | None]:
        return [values.get(week, 0.0) for week in mondays]

    report.series = {
        "shipments": series(shipped),
        "wismo_per_1000": [_ratio(contacts.get(m, 0.0), shipped.get(m), 1000) for m in mondays],
        "refund_reship_rate": [_ratio(refunds.get(m, 0.0), shipped.get(m), 100) for m in mondays],
        "first_response_hours": [_round(first_response.get(m)) for m in mondays],
        "close_hours": [_round(to_close.get(m)) for m in mondays],
        "activation_rate": [_ratio(activated.get(m, 0.0), shipped.get(m), 100) for m in mondays],
        "exception_rate": [_ratio(opened.get(m, 0.0), shipped.get(m), 100) for m in mondays],
        "delay_coverage": [_ratio(covered.get(m, 0.0), delays.get(m), 100) for m in mondays],
        "unresolved_age_hours": [ages.get(m) for m in mondays],
        "sla_breach_rate": [_ratio(breached.get(m, 0.0), opened.get(m), 100) for m in mondays],
        "page_views": series(views),
        "views_per_contact": [_ratio(views.get(m, 0.0), contacts.get(m)) for m in mondays],
    }
    report.breakdowns = await _breakdowns(sql, b, start, end, by_node)
    return report


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _rates(tops: dict[str, int], bottoms: dict[str, int]) -> list[tuple[str, float, int]]:
    """(label, rate %, denominator), highest rate first."""
    rows = [
        (label or "—", round(tops.get(label, 0) * 100 / n, 2), n)
        for label, n in bottoms.items()
        if n
    ]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


async def _counts(sql: Sql, query: str, params: Sequence[Any]) -> dict[str, int]:
    return {r["label"]: int(r["n"]) for r in await sql.rows(query, params)}


async def _breakdowns(
    sql: Sql, brand_id: int, start: datetime, end: datetime, by_node: dict[str, int]
) -> dict[str, list[tuple[str, float, int]]]:
    p = [brand_id, start, end]

    def cases_by(column: str, where: str = "") -> str:
        return (
            f'SELECT s.{column} AS label, COUNT(*) AS n FROM "case" c '
            "JOIN shipment s ON s.id = c.shipment_id "
            f"WHERE c.brand_id = ? AND c.opened_at >= ? AND c.opened_at < ? {where} "
            f"GROUP BY s.{column}"
        )

    delivered_by_lane = (
        "SELECT lane AS label, COUNT(*) AS n FROM shipment WHERE brand_id = ? "
        "AND delivered_at >= ? AND delivered_at < ? GROUP BY lane"
    )
    damaged_skus = (
        'SELECT i.sku AS label, COUNT(DISTINCT i.shipment_id) AS n FROM "case" c '
        "JOIN shipment_item i ON i.shipment_id = c.shipment_id "
        "WHERE c.brand_id = ? AND c.opened_at >= ? AND c.opened_at < ? "
        "AND c.type = 'damage_reported' GROUP BY i.sku"
    )
    damaged = await _counts(sql, damaged_skus, p)
    # Denominators only for SKUs that had damage: the rest would rank at 0% and never show.
    carried: dict[str, int] = {}
    if damaged:
        marks = ", ".join("?" * len(damaged))
        carried = await _counts(
            sql,
            "SELECT i.sku AS label, COUNT(DISTINCT i.shipment_id) AS n FROM shipment s "
            "JOIN shipment_item i ON i.shipment_id = s.id WHERE s.brand_id = ? "
            f"AND s.shipped_at >= ? AND s.shipped_at < ? AND i.sku IN ({marks}) GROUP BY i.sku",
            [*p, *damaged],
        )
    codes = await sql.rows(
        'SELECT close_code AS label, COUNT(*) AS n FROM "case" WHERE brand_id = ? '
        "AND closed_at >= ? AND closed_at < ? AND close_code IS NOT NULL GROUP BY close_code "
        "ORDER BY n DESC, close_code",
        p,
    )
    return {
        "dnr_by_lane": _rates(
            await _counts(sql, cases_by("lane", "AND c.type = 'delivered_not_received'"), p),
            await _counts(sql, delivered_by_lane, p),
        ),
        "no_first_scan_by_node": _rates(
            await _counts(sql, cases_by("fulfilment_node", "AND c.type = 'no_first_scan'"), p),
            by_node,
        ),
        "exceptions_by_node": _rates(await _counts(sql, cases_by("fulfilment_node"), p), by_node),
        "damage_by_sku": [row for row in _rates(damaged, carried) if row[1] > 0][:TOP_SKUS],
        "close_codes": [(str(r["label"]), float(r["n"]), int(r["n"])) for r in codes],
    }
