"""Delivered parcels as the predictor learns from them: route, milestones, delivery, and the
carrier's own date as it stood at the first scan (for the backtest's comparison).

One query per batch, with each milestone found by an indexed subquery on the parcel's scans:
the refresh reads a year of a brand's parcels, and building a million ORM rows (and parsing
their times one by one) cost more than the work itself."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from porchlight.edd.lanes import DESTINATION_CODES, DESTINATION_PHRASES, Milestone, Route
from porchlight.models import Brand
from porchlight.platform.sql import Sql

BATCH = 5000
# The carrier's date "at the first scan": the first one it gave, if within a day of that scan.
CARRIER_DATE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Delivered:
    route: Route
    milestones: dict[Milestone, datetime]
    delivered_at: datetime
    carrier_estimate: date | None


def _first_scan_where(condition: str, column: str = "min(e.occurred_at)") -> str:
    """A subquery on the parcel's scans; `condition` and `column` are our own SQL, no input."""
    return (
        f"(SELECT {column} FROM tracking_event e WHERE e.tracking_number = s.tracking_number "  # noqa: S608
        f"AND {condition})"
    )


def _query(sqlite: bool) -> str:
    destination = " OR ".join(
        [f"e.carrier_substatus = '{code}'" for code in DESTINATION_CODES]
        + [f"lower(e.message) LIKE '%{phrase}%'" for phrase in DESTINATION_PHRASES]
    )
    country = "json_extract(o.destination, '$.country')" if sqlite else "o.destination->>'country'"
    first_dated = (
        "SELECT {} FROM tracking_event e WHERE e.tracking_number = s.tracking_number "
        "AND e.estimated_delivery IS NOT NULL ORDER BY e.occurred_at LIMIT 1"
    )
    return (
        "SELECT s.id, s.carrier, s.service, s.fulfilment_node, s.first_scan_at, s.delivered_at, "
        f"{country} AS country, o.postcode, c.time_zone, "
        + _first_scan_where("e.status = 'out_for_delivery'")
        + " AS out_for_delivery, "
        + _first_scan_where(f"e.status = 'in_transit' AND ({destination})")
        + " AS destination, "
        f"({first_dated.format('e.occurred_at')}) AS dated_at, "
        f"({first_dated.format('e.estimated_delivery')}) AS carrier_date "
        'FROM shipment s JOIN "order" o ON o.id = s.order_id '
        "JOIN customer c ON c.id = o.customer_id "
        "WHERE s.brand_id = ? AND s.direction = 'outbound' AND s.status = 'delivered' "
        "AND s.first_scan_at IS NOT NULL "
        "AND (s.delivered_at > ? OR (s.delivered_at = ? AND s.id > ?)) "
        "ORDER BY s.delivered_at, s.id LIMIT ?"
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


def parcel_of(row: dict[str, Any], brand_zone: str, routes: dict[Route, Route]) -> Delivered:
    """`routes`: one object per distinct route, shared by its parcels (a year of a brand's
    parcels travels a few thousand routes; the backtest holds them all at once)."""
    first, delivered_at = _moment(row["first_scan_at"]), _moment(row["delivered_at"])
    assert first is not None and delivered_at is not None  # the query asks for both
    country = row["country"]
    if isinstance(country, str) and country.startswith('"'):  # a JSON text on some drivers
        country = json.loads(country)
    milestones = {Milestone.FIRST_SCAN: first}
    for milestone in (Milestone.DESTINATION, Milestone.OUT_FOR_DELIVERY):
        at = _moment(row[milestone.value])
        if at is not None:
            milestones[milestone] = at
    dated_at = _moment(row["dated_at"])
    in_time = dated_at is not None and dated_at <= first + CARRIER_DATE_WINDOW
    route = Route(
        carrier=row["carrier"],
        service=row["service"],
        node=row["fulfilment_node"],
        country=str(country or "").upper(),
        postcode=row["postcode"] or "",
        time_zone=row["time_zone"] or brand_zone,
    )
    return Delivered(
        route=routes.setdefault(route, route),
        milestones=milestones,
        delivered_at=delivered_at,
        carrier_estimate=_day(row["carrier_date"]) if in_time else None,
    )


async def delivered(brand: Brand, since: datetime) -> AsyncIterator[list[Delivered]]:
    """The brand's outbound parcels delivered since `since`, in batches, in order of delivery
    (the index's order: each batch starts where the last ended, never rescans)."""
    sql = Sql()
    query = _query(sql.sqlite)
    after: tuple[Any, int] = (since, 0)
    routes: dict[Route, Route] = {}
    while True:
        rows = await sql.rows(query, [brand.id, after[0], after[0], after[1], BATCH])
        if not rows:
            return
        after = (rows[-1]["delivered_at"], rows[-1]["id"])
        yield [parcel_of(row, brand.time_zone, routes) for row in rows]
