"""Delivered parcels as the predictor learns from them: route, milestones, delivery, and the
carrier's own date as it stood at the first scan (for the backtest's comparison)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.expressions import Q

from porchlight.edd.lanes import DESTINATION_CODES, Milestone, Route, reached
from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand, Shipment, TrackingEvent

BATCH = 5000
# The carrier's date "at the first scan": the newest one it gave within a day of that scan.
CARRIER_DATE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Delivered:
    route: Route
    milestones: dict[Milestone, datetime]
    delivered_at: datetime
    carrier_estimate: date | None


def route_of(values: dict[str, object], brand_zone: str) -> Route:
    destination = values["order__destination"] or {}
    country = str(destination.get("country", "")) if isinstance(destination, dict) else ""
    return Route(
        carrier=str(values["carrier"]),
        service=str(values["service"]),
        node=str(values["fulfilment_node"]),
        country=country.upper(),
        postcode=str(values["order__postcode"] or ""),
        time_zone=str(values["order__customer__time_zone"] or brand_zone),
    )


ROUTE_FIELDS = (
    "carrier",
    "service",
    "fulfilment_node",
    "order__destination",
    "order__postcode",
    "order__customer__time_zone",
)


async def delivered(brand: Brand, since: datetime) -> AsyncIterator[list[Delivered]]:
    """The brand's outbound parcels delivered since `since`, in batches, oldest id first."""
    last = 0
    while True:
        rows = (
            await Shipment.filter(
                brand_id=brand.id,
                direction=Direction.OUTBOUND,
                status=S.DELIVERED,
                delivered_at__gte=since,
                first_scan_at__not_isnull=True,
                id__gt=last,
            )
            .order_by("id")
            .limit(BATCH)
            .values("id", "tracking_number", "first_scan_at", "delivered_at", *ROUTE_FIELDS)
        )
        if not rows:
            return
        last = rows[-1]["id"]
        scans = await _scans([r["tracking_number"] for r in rows])
        batch = []
        for row in rows:
            own = scans.get(row["tracking_number"], [])
            first = row["first_scan_at"]
            dated = [(at, d) for _, _, _, at, d in own if d and at <= first + CARRIER_DATE_WINDOW]
            batch.append(
                Delivered(
                    route=route_of(row, brand.time_zone),
                    milestones=reached(first, [(s, sub, m, at) for s, sub, m, at, _ in own]),
                    delivered_at=row["delivered_at"],
                    carrier_estimate=max(dated)[1] if dated else None,
                )
            )
        yield batch


async def _scans(numbers: list[str]) -> dict[str, list[tuple[str, str, str, datetime, date]]]:
    """Only the scans that matter here: milestones and those carrying a carrier's date."""
    rows = (
        await TrackingEvent.filter(tracking_number__in=numbers)
        .filter(
            Q(status=S.OUT_FOR_DELIVERY)
            | Q(status=S.IN_TRANSIT, carrier_substatus__in=DESTINATION_CODES)
            | Q(status=S.IN_TRANSIT, message__icontains="destination")
            | Q(estimated_delivery__not_isnull=True)
        )
        .values_list(
            "tracking_number",
            "status",
            "carrier_substatus",
            "message",
            "occurred_at",
            "estimated_delivery",
        )
    )
    by_number: dict[str, list[tuple[str, str, str, datetime, date]]] = {}
    for number, *rest in rows:
        by_number.setdefault(number, []).append(tuple(rest))  # type: ignore[arg-type]
    return by_number
