"""The weekly control loop's numbers, per brand, computed in the database.

Weeks are ISO weeks (Monday 00:00 UTC to the next Monday). `measure` gets each week's raw
figures (`Week`) from aggregate queries grouped by week (nothing loads rows into Python);
`report` turns weeks into the charts' series and the period's breakdowns. The dashboard reads
weeks the worker rolled up (porchlight.insight.kpi_rollup), so its cost doesn't grow with
history. The definitions (`KPIS`, `BREAKDOWNS`) are what the dashboard shows beside each
chart, and what the tests pin down on a hand-made data set.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
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
    Kpi(
        "csat",
        N_("Delivery satisfaction (CSAT)"),
        "%",
        N_(
            "Delivery ratings of 4 or 5 ÷ all delivery ratings, by week first rated, × 100 "
            "(shoppers rate from the delivered email; a changed rating counts once)."
        ),
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
    Kpi(
        "csat_by_carrier",
        N_("Delivery satisfaction by carrier"),
        "%",
        N_("Ratings of 4 or 5 ÷ all ratings first given in the period, per carrier, × 100."),
    ),
    Kpi(
        "csat_by_lane",
        N_("Delivery satisfaction by lane"),
        "%",
        N_("Ratings of 4 or 5 ÷ all ratings first given in the period, per lane, × 100."),
    ),
]


@dataclass
class Week:
    """One week's raw figures: counts add up over a period, means stay per week. Breakdown
    counts are keyed by label ("" where the shipment has none)."""

    shipped: int = 0
    activated: int = 0
    opened: int = 0
    breached: int = 0
    first_response: float | None = None  # mean hours, cases opened this week
    delays: int = 0
    covered: int = 0
    contacts: int = 0
    refunds: int = 0
    close_hours: float | None = None  # mean hours, cases closed this week
    views: int = 0
    unresolved_age: float | None = None  # at the week's end (or at `now`)
    shipped_by_node: dict[str, int] = field(default_factory=dict)
    delivered_by_lane: dict[str, int] = field(default_factory=dict)
    dnr_by_lane: dict[str, int] = field(default_factory=dict)
    no_first_scan_by_node: dict[str, int] = field(default_factory=dict)
    cases_by_node: dict[str, int] = field(default_factory=dict)
    damaged_by_sku: dict[str, int] = field(default_factory=dict)
    carried_by_sku: dict[str, int] = field(default_factory=dict)
    close_codes: dict[str, int] = field(default_factory=dict)
    rated: int = 0  # delivery ratings first given this week
    satisfied: int = 0  # of them, a 4 or a 5
    rated_by_carrier: dict[str, int] = field(default_factory=dict)
    satisfied_by_carrier: dict[str, int] = field(default_factory=dict)
    rated_by_lane: dict[str, int] = field(default_factory=dict)
    satisfied_by_lane: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Week":
        return cls(**data)


@dataclass
class Report:
    brand: Brand
    weeks: list[date]
    series: dict[str, list[float | None]] = field(default_factory=dict)
    breakdowns: dict[str, list[tuple[str, float, int]]] = field(default_factory=dict)
    as_of: datetime | None = None  # when the oldest figure shown was computed

    @property
    def start(self) -> datetime:
        return datetime.combine(self.weeks[0], time(0), UTC)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def mondays_until(now: datetime, weeks: int) -> list[date]:
    return [monday(now.date()) - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]


def week_start(week: date) -> datetime:
    return datetime.combine(week, time(0), UTC)


def _ratio(top: float | None, bottom: float | None, scale: float = 1.0) -> float | None:
    if top is None or not bottom:
        return None
    return round(top * scale / bottom, 2)


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


async def weekly(brand: Brand, weeks: int = 8, now: datetime | None = None) -> Report:
    """The report computed from the database as it is now (the rollup's reference)."""
    now = now or utcnow()
    mondays = mondays_until(now, weeks)
    return report(brand, mondays, await measure(brand, mondays, now))


def report(brand: Brand, mondays: list[date], weeks: dict[date, Week]) -> Report:
    chosen = [weeks.get(m) or Week() for m in mondays]
    result = Report(brand, mondays)

    def each(ratio: Callable[[Week], float | None]) -> list[float | None]:
        return [ratio(w) for w in chosen]

    result.series = {
        "shipments": each(lambda w: float(w.shipped)),
        "wismo_per_1000": each(lambda w: _ratio(w.contacts, w.shipped, 1000)),
        "refund_reship_rate": each(lambda w: _ratio(w.refunds, w.shipped, 100)),
        "first_response_hours": each(lambda w: _round(w.first_response)),
        "close_hours": each(lambda w: _round(w.close_hours)),
        "activation_rate": each(lambda w: _ratio(w.activated, w.shipped, 100)),
        "exception_rate": each(lambda w: _ratio(w.opened, w.shipped, 100)),
        "delay_coverage": each(lambda w: _ratio(w.covered, w.delays, 100)),
        "unresolved_age_hours": each(lambda w: _round(w.unresolved_age)),
        "sla_breach_rate": each(lambda w: _ratio(w.breached, w.opened, 100)),
        "page_views": each(lambda w: float(w.views)),
        "views_per_contact": each(lambda w: _ratio(w.views, w.contacts)),
        "csat": each(lambda w: _ratio(w.satisfied, w.rated, 100)),
    }

    def total(part: Callable[[Week], dict[str, int]]) -> dict[str, int]:
        summed: Counter[str] = Counter()
        for week in chosen:
            summed.update(part(week))
        return dict(summed)

    damaged = total(lambda w: w.damaged_by_sku)
    carried = total(lambda w: w.carried_by_sku)
    shipped_by_node = total(lambda w: w.shipped_by_node)
    codes = total(lambda w: w.close_codes)
    result.breakdowns = {
        "dnr_by_lane": _rates(total(lambda w: w.dnr_by_lane), total(lambda w: w.delivered_by_lane)),
        "no_first_scan_by_node": _rates(total(lambda w: w.no_first_scan_by_node), shipped_by_node),
        "exceptions_by_node": _rates(total(lambda w: w.cases_by_node), shipped_by_node),
        "damage_by_sku": [
            row
            for row in _rates(damaged, {sku: carried.get(sku, 0) for sku in damaged})
            if row[1] > 0
        ][:TOP_SKUS],
        "close_codes": [
            (code, float(n), n) for code, n in sorted(codes.items(), key=lambda c: (-c[1], c[0]))
        ],
        "csat_by_carrier": _rates(
            total(lambda w: w.satisfied_by_carrier), total(lambda w: w.rated_by_carrier)
        ),
        "csat_by_lane": _rates(
            total(lambda w: w.satisfied_by_lane), total(lambda w: w.rated_by_lane)
        ),
    }
    return result


def _rates(tops: dict[str, int], bottoms: dict[str, int]) -> list[tuple[str, float, int]]:
    """(label, rate %, denominator), highest rate first."""
    rows = [
        (label or "—", round(tops.get(label, 0) * 100 / n, 2), n)
        for label, n in bottoms.items()
        if n
    ]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def _week(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


async def measure(brand: Brand, mondays: Iterable[date], now: datetime) -> dict[date, Week]:
    """Every week of `mondays` (consecutive) up to `now`, in one scan per table."""
    mondays = sorted(mondays)
    weeks = {m: Week() for m in mondays}
    sql = Sql()
    start, end = week_start(mondays[0]), min(week_start(mondays[-1]) + timedelta(weeks=1), now)
    p = [brand.id, start, end]
    w = sql.week

    def put(rows: list[dict[str, Any]], **columns: str) -> None:
        """Rows of (week, column…) into the Week fields named by `columns` (field=column)."""
        for row in rows:
            week = weeks.get(_week(row["week"]))
            if week is None:
                continue
            for name, column in columns.items():
                value = row[column]
                if value is not None:
                    kind = type(getattr(Week(), name))
                    setattr(week, name, float(value) if kind is not int else int(value))

    def count_by(rows: list[dict[str, Any]], name: str) -> None:
        """Rows of (week, label, n) into the Week dict field `name`."""
        for row in rows:
            week = weeks.get(_week(row["week"]))
            if week is not None:
                counts = getattr(week, name)
                label = str(row["label"] or "")
                counts[label] = counts.get(label, 0) + int(row["n"])

    window = settings_of(brand).activation_hours
    shipped = await sql.rows(
        f"SELECT {w('shipped_at')} AS week, fulfilment_node AS label, COUNT(*) AS n, "
        f"SUM(CASE WHEN {sql.hours('shipped_at', 'first_scan_at')} <= ? THEN 1 ELSE 0 END) "
        "AS activated FROM shipment "
        "WHERE brand_id = ? AND direction = 'outbound' AND shipped_at >= ? AND shipped_at < ? "
        "GROUP BY week, fulfilment_node",
        [window, *p],
    )
    count_by(shipped, "shipped_by_node")
    for row in shipped:
        if (week := weeks.get(_week(row["week"]))) is not None:
            week.shipped += int(row["n"])
            week.activated += int(row["activated"] or 0)
    put(
        await sql.rows(
            f"SELECT {w('c.opened_at')} AS week, COUNT(*) AS n, "
            "SUM(CASE WHEN c.first_action_at > c.sla_due_at OR "
            "(c.first_action_at IS NULL AND c.sla_due_at < ?) THEN 1 ELSE 0 END) AS breached, "
            f"AVG({sql.hours('c.opened_at', 'c.first_action_at')}) AS first_response, "
            "SUM(CASE WHEN c.type = 'delay' THEN 1 ELSE 0 END) AS delays "
            'FROM "case" c WHERE c.brand_id = ? AND c.opened_at >= ? AND c.opened_at < ? '
            "GROUP BY week",
            [now, *p],
        ),
        opened="n",
        breached="breached",
        first_response="first_response",
        delays="delays",
    )
    put(
        await sql.rows(
            f'SELECT {w("c.opened_at")} AS week, COUNT(*) AS n FROM "case" c '
            "JOIN shipment s ON s.id = c.shipment_id "
            "WHERE c.brand_id = ? AND c.type = 'delay' AND c.opened_at >= ? AND c.opened_at < ? "
            "AND EXISTS (SELECT 1 FROM notification n WHERE n.shipment_id = c.shipment_id "
            "AND n.trigger = 'delay' AND n.sent_at IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM contact k WHERE k.order_id = s.order_id "
            "AND k.occurred_at < n.sent_at)) "
            "GROUP BY week",
            p,
        ),
        covered="n",
    )
    put(
        await sql.rows(
            f"SELECT {w('occurred_at')} AS week, COUNT(*) AS n FROM contact "
            "WHERE brand_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY week",
            p,
        ),
        contacts="n",
    )
    put(
        await sql.rows(
            f"SELECT {w('e.created_at')} AS week, COUNT(DISTINCT e.case_id) AS n "
            'FROM case_entry e JOIN "case" c ON c.id = e.case_id '
            "WHERE c.brand_id = ? AND e.kind IN ('customer:refund', 'customer:reship') "
            "AND e.created_at >= ? AND e.created_at < ? GROUP BY week",
            p,
        ),
        refunds="n",
    )
    put(
        await sql.rows(
            f"SELECT {w('closed_at')} AS week, AVG({sql.hours('opened_at', 'closed_at')}) AS n "
            'FROM "case" WHERE brand_id = ? AND closed_at >= ? AND closed_at < ? GROUP BY week',
            p,
        ),
        close_hours="n",
    )
    put(
        await sql.rows(
            f"SELECT {sql.week_of_date('day')} AS week, SUM(views) AS n FROM page_view_day "
            "WHERE brand_id = ? AND day >= ? AND day <= ? GROUP BY week",
            [brand.id, start.date(), end.date()],
        ),
        views="n",
    )
    for monday_, week in weeks.items():
        as_of = min(week_start(monday_) + timedelta(weeks=1), now)
        [row] = await sql.rows(
            f'SELECT AVG({sql.hours("opened_at", sql.moment())}) AS n FROM "case" '
            "WHERE brand_id = ? AND opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)",
            [as_of, brand.id, as_of, as_of],
        )
        week.unresolved_age = float(row["n"]) if row["n"] is not None else None

    def cases_by(column: str, where: str = "") -> str:
        return (
            f"SELECT {w('c.opened_at')} AS week, s.{column} AS label, COUNT(*) AS n "
            'FROM "case" c JOIN shipment s ON s.id = c.shipment_id '
            f"WHERE c.brand_id = ? AND c.opened_at >= ? AND c.opened_at < ? {where} "
            f"GROUP BY week, s.{column}"
        )

    count_by(
        await sql.rows(cases_by("lane", "AND c.type = 'delivered_not_received'"), p), "dnr_by_lane"
    )
    count_by(
        await sql.rows(cases_by("fulfilment_node", "AND c.type = 'no_first_scan'"), p),
        "no_first_scan_by_node",
    )
    count_by(await sql.rows(cases_by("fulfilment_node"), p), "cases_by_node")
    count_by(
        await sql.rows(
            f"SELECT {w('delivered_at')} AS week, lane AS label, COUNT(*) AS n FROM shipment "
            "WHERE brand_id = ? AND delivered_at >= ? AND delivered_at < ? GROUP BY week, lane",
            p,
        ),
        "delivered_by_lane",
    )
    count_by(
        await sql.rows(
            f"SELECT {w('c.opened_at')} AS week, i.sku AS label, "
            'COUNT(DISTINCT i.shipment_id) AS n FROM "case" c '
            "JOIN shipment_item i ON i.shipment_id = c.shipment_id "
            "WHERE c.brand_id = ? AND c.opened_at >= ? AND c.opened_at < ? "
            "AND c.type = 'damage_reported' GROUP BY week, i.sku",
            p,
        ),
        "damaged_by_sku",
    )
    # Every SKU's parcels, not only the damaged ones: a week rolled up today must still serve
    # as the denominator when one of its SKUs is first damaged next month.
    count_by(
        await sql.rows(
            f"SELECT {w('s.shipped_at')} AS week, i.sku AS label, "
            "COUNT(DISTINCT i.shipment_id) AS n FROM shipment s "
            "JOIN shipment_item i ON i.shipment_id = s.id WHERE s.brand_id = ? "
            "AND s.shipped_at >= ? AND s.shipped_at < ? GROUP BY week, i.sku",
            p,
        ),
        "carried_by_sku",
    )
    count_by(
        await sql.rows(
            f"SELECT {w('closed_at')} AS week, close_code AS label, COUNT(*) AS n "
            'FROM "case" WHERE brand_id = ? AND closed_at >= ? AND closed_at < ? '
            "AND close_code IS NOT NULL GROUP BY week, close_code",
            p,
        ),
        "close_codes",
    )
    ratings = await sql.rows(
        f"SELECT {w('r.rated_at')} AS week, s.carrier AS carrier, s.lane AS lane, "
        "COUNT(*) AS n, SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END) AS satisfied "
        "FROM rating r JOIN shipment s ON s.id = r.shipment_id "
        "WHERE r.brand_id = ? AND r.rated_at >= ? AND r.rated_at < ? "
        "GROUP BY week, s.carrier, s.lane",
        p,
    )
    for row in ratings:
        if (week := weeks.get(_week(row["week"]))) is None:
            continue
        n, happy = int(row["n"]), int(row["satisfied"] or 0)
        week.rated += n
        week.satisfied += happy
        for name, label in (("carrier", row["carrier"]), ("lane", row["lane"])):
            key = str(label or "")
            rated, satisfied = (
                getattr(week, f"rated_by_{name}"),
                getattr(week, f"satisfied_by_{name}"),
            )
            rated[key] = rated.get(key, 0) + n
            satisfied[key] = satisfied.get(key, 0) + happy
    return weeks
