"""What the order page shows of each parcel, and what the shopper may do with it there."""

from dataclasses import dataclass
from datetime import date

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand, DeliveryRequest, Order
from porchlight.tracking import derive, timeline
from porchlight.tracking.status_text import NEXT_STEP, headline

# Once a parcel is on the van (or further), the carrier can no longer change its delivery.
CHANGEABLE = {S.UNKNOWN, S.LABEL_CREATED, S.IN_TRANSIT, S.FAILED_ATTEMPT}
STEPS = {
    S.LABEL_CREATED: 1,
    S.IN_TRANSIT: 2,
    S.OUT_FOR_DELIVERY: 3,
    S.AVAILABLE_FOR_PICKUP: 3,
    S.FAILED_ATTEMPT: 3,
    S.EXCEPTION: 2,
    S.RETURNING_TO_SENDER: 2,
    S.DELIVERED: 4,
}
TROUBLE = {S.FAILED_ATTEMPT, S.EXCEPTION, S.RETURNING_TO_SENDER}


@dataclass(frozen=True)
class ParcelView:
    parcel: timeline.Parcel
    headline: str
    next_step: str
    is_return: bool
    requests: list[DeliveryRequest]
    options: list[str]
    problems: list[str]

    @property
    def id(self) -> int:
        return self.parcel.shipment.id

    @property
    def estimate(self) -> date | None:
        """The delivery date still ahead, if any (none once delivered, returning, damaged)."""
        return derive.date_ahead(self.parcel.derived)

    @property
    def step(self) -> int:
        """How far along the four-step progress bar the parcel is."""
        return STEPS.get(self.parcel.derived.status, 0)

    @property
    def trouble(self) -> bool:
        return self.parcel.derived.status in TROUBLE


def enabled_options(brand: Brand) -> list[str]:
    return settings_of(brand).delivery_options.enabled()


def delivery_options(brand: Brand, status: S, direction: Direction) -> list[str]:
    """What the shopper may ask to change: nothing on a return, nothing once it is on the van."""
    if direction == Direction.RETURN or status not in CHANGEABLE:
        return []
    return enabled_options(brand)


def problem_kinds(status: S, direction: Direction) -> list[str]:
    """What the shopper may report: a return is the retailer's to chase, not the shopper's."""
    if direction == Direction.RETURN:
        return []
    if status == S.DELIVERED:
        return ["damaged", "missing_items", "not_received"]
    return ["late", "damaged"]


async def parcel_views(brand: Brand, order: Order) -> list[ParcelView]:
    parcels = await timeline.parcels(order)
    requests = await DeliveryRequest.filter(
        shipment_id__in=[p.shipment.id for p in parcels]
    ).order_by("id")
    views = []
    for p in parcels:
        status, direction = p.derived.status, Direction(p.shipment.direction)
        views.append(
            ParcelView(
                parcel=p,
                headline=headline(direction, status),
                next_step=NEXT_STEP[status],
                is_return=direction == Direction.RETURN,
                requests=[r for r in requests if r.shipment_id == p.shipment.id],  # type: ignore[attr-defined]
                options=delivery_options(brand, status, direction),
                problems=problem_kinds(status, direction),
            )
        )
    return views
