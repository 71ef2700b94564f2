"""Delivered parcels as the predictor learns from them: route, milestones, delivery, and the
carrier's own date as it stood at the first scan (for the backtest's comparison).

Raw SQL in batches by tracking number: the refresh reads a year of a brand's parcels, and
building a million ORM rows (and parsing their times one by one) cost more than the work."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from porchlight.edd.lanes import DESTINATION_CODES, DESTINATION_PHRASES, Milestone, Route
from porchlight.models import Brand
from porchlight.platform.sql import Sql

BATCH = 20_000
# The carrier's date "at the first scan": the first one it gave, if within a day of that scan.
CARRIER_DATE_WINDOW = timedelta(hours=24)


FIRST_SCAN = Milestone.FIRST_SCAN
LATER = [(m, m.value) for m in (Milestone.DESTINATION, Milestone.OUT_FOR_DELIVERY)]


@dataclass(frozen=True, slots=True)
class Delivered:
    route: Route
    milestones: dict[Milestone, datetime]
    delivered_at: datetime
    carrier_estimate: date | None


def destination_sql() -> str:
    """`destination_scan` in SQL: the same codes and phrases (our constants, no input)."""
    return " OR ".join(
        [f"e.carrier_substatus = '{code}'" for code in DESTINATION_CODES]
        + [f"lower(e.message) LIKE '%{phrase}%'" for phrase in DESTINATION_PHRASES]
    )


def _parcels_sql(sqlite: bool) -> str:
    country = "json_extract(o.destination, '$.country')" if sqlite else "o.destination->>'country'"
    return (
        "SELECT s.tracking_number, s.carrier, s.service, s.fulfilment_node, s.first_scan_at, "
        f"s.delivered_at, {country} AS country, o.postcode, c.time_zone "
        'FROM shipment s JOIN "order" o ON o.id = s.order_id '
        "JOIN customer c ON c.id = o.customer_id "
        "WHERE s.brand_id = ? AND s.tracking_number > ? AND s.direction = 'outbound' "
        "AND s.status = 'delivered' AND s.delivered_at >= ? AND s.first_scan_at IS NOT NULL "
        "ORDER BY s.tracking_number LIMIT ?"
    )


# The scans of a range of tracking numbers, one row per number: read along the index on
# (tracking_number, occurred_at) in one pass, where a subquery per parcel cost a random read
# each (a million parcels took minutes that way).
MILESTONES_SQL = (
    "SELECT e.tracking_number, "
    "MIN(CASE WHEN e.status = 'out_for_delivery' THEN e.occurred_at END) AS out_for_delivery, "
    "MIN(CASE WHEN e.status = 'in_transit' AND ({destination}) THEN e.occurred_at END) "
    "AS destination FROM tracking_event e "
    "WHERE e.tracking_number >= ? AND e.tracking_number <= ? GROUP BY e.tracking_number"
)
CARRIER_DATES_SQL = (
    "SELECT e.tracking_number, e.occurred_at, e.estimated_delivery FROM tracking_event e "
    "WHERE e.tracking_number >= ? AND e.tracking_number <= ? "
    "AND e.estimated_delivery IS NOT NULL"
)


def _moment(value: Any) -> datetime | None:
    """SQLite gives text, PostgreSQL datetimes."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def parcel_of(
    row: dict[str, Any],
    scans: dict[str, Any],
    dates: list[tuple[datetime, date]],
    brand_zone: str,
    routes: dict[tuple[str, ...], Route],
) -> Delivered:
    """`scans`: the row of MILESTONES_SQL for the parcel; `dates`: the carrier's dates with the
    time of the scan that gave each. `routes`: one object per distinct route, shared by its
    parcels (a year of a brand's parcels travels a few thousand routes; the backtest holds
    them all at once)."""
    first, delivered_at = _moment(row["first_scan_at"]), _moment(row["delivered_at"])
    assert first is not None and delivered_at is not None  # the query asks for both
    country = row["country"]
    if isinstance(country, str) and country.startswith('"'):  # a JSON text on some drivers
        country = json.loads(country)
    milestones = {FIRST_SCAN: first}
    for milestone, column in LATER:
        at = _moment(scans.get(column))
        if at is not None:
            milestones[milestone] = at
    known = sorted(d for d in dates if d[0] <= first + CARRIER_DATE_WINDOW)
    known_route = (
        row["carrier"],
        row["service"],
        row["fulfilment_node"],
        str(country or "").upper(),
        row["postcode"] or "",
        row["time_zone"] or brand_zone,
    )
    route = routes.get(known_route)
    if route is None:
        route = routes[known_route] = Route(*known_route)
    return Delivered(
        route=route,
        milestones=milestones,
        delivered_at=delivered_at,
        carrier_estimate=known[0][1] if known else None,
    )


async def delivered(
    brand: Brand, since: datetime, *, carrier_dates: bool = False
) -> AsyncIterator[list[Delivered]]:
    """The brand's outbound parcels delivered since `since`, in batches by tracking number;
    with `carrier_dates`, each with the carrier's date at its first scan (the backtest's)."""
    sql = Sql()
    parcels_sql = _parcels_sql(sql.sqlite)
    milestones_sql = MILESTONES_SQL.format(destination=destination_sql())
    after = ""
    routes: dict[tuple[str, ...], Route] = {}
    while True:
        rows = await sql.rows(parcels_sql, [brand.id, after, since, BATCH])
        if not rows:
            return
        span = [rows[0]["tracking_number"], rows[-1]["tracking_number"]]
        after = span[1]
        scans = {r["tracking_number"]: r for r in await sql.rows(milestones_sql, span)}
        dates: dict[str, list[tuple[datetime, date]]] = {}
        if carrier_dates:
            for r in await sql.rows(CARRIER_DATES_SQL, span):
                moment, day = _moment(r["occurred_at"]), _day(r["estimated_delivery"])
                if moment is not None and day is not None:
                    dates.setdefault(r["tracking_number"], []).append((moment, day))
        yield [
            parcel_of(
                row,
                scans.get(row["tracking_number"], {}),
                dates.get(row["tracking_number"], []),
                brand.time_zone,
                routes,
            )
            for row in rows
        ]
