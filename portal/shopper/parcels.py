"""What the order page shows of each parcel, and what the shopper may do with it there."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from porchlight.accounts.brand_settings import settings_of
from porchlight.edd.shown import Estimate, shown
from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand, DeliveryRequest, Order, Refund
from porchlight.platform.clock import utcnow
from porchlight.platform.sql import rows_where
from porchlight.tracking import derive, timeline
from porchlight.tracking.derive import Derived
from porchlight.tracking.status_text import N_, NEXT_STEP, headline

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
# A return's own steps, from the label to the money back.
RETURN_STEPS = (
    N_("Label created"),
    N_("Dropped off"),
    N_("On its way to us"),
    N_("Received"),
    N_("Refund issued"),
)
RECEIVED = {S.DELIVERED, S.RETURNED}
RETURN_NEXT_STEP = {
    1: N_("Drop the parcel off with the carrier named on your return label."),
    2: N_("Nothing to do: we will tell you when your return reaches us."),
    3: N_("Nothing to do: we will tell you when your return reaches us."),
    4: N_("We will tell you as soon as your refund is issued."),
    5: N_("Your refund can take a few days to show on your statement."),
}
REFUNDED = N_("Refund issued")


def return_step(derived: Derived, refunded: bool) -> int:
    """How far along RETURN_STEPS a return is: the first scan is the drop-off, any later scan
    means it travels, the carrier's delivery (to the retailer) is the receipt."""
    if refunded:
        return 5
    if derived.status in RECEIVED:
        return 4
    if derived.first_scan_at is None:
        return 1
    moved_on = derived.last_event_at is not None and derived.last_event_at > derived.first_scan_at
    return 3 if moved_on else 2


@dataclass(frozen=True)
class ParcelView:
    parcel: timeline.Parcel
    headline: str
    next_step: str
    is_return: bool
    requests: list[DeliveryRequest]
    options: list[str]
    problems: list[str]
    estimate: Estimate | None  # the carrier's date or ours (porchlight.edd.shown)
    refunded: bool = False  # the order has a refund: a return's last step is done

    @property
    def id(self) -> int:
        return self.parcel.shipment.id

    @property
    def return_steps(self) -> tuple[str, ...]:
        return RETURN_STEPS

    @property
    def return_step(self) -> int:
        return return_step(self.parcel.derived, self.refunded)

    @property
    def step(self) -> int:
        """How far along the four-step progress bar the parcel is."""
        return STEPS.get(self.parcel.derived.status, 0)

    @property
    def trouble(self) -> bool:
        return self.parcel.derived.status in TROUBLE


def delivery_options(
    brand: Brand, status: S, direction: Direction, estimate: date | None = None
) -> list[str]:
    """What the shopper may ask to change: nothing on a return, nothing once it is on the van,
    nothing past the brand's cut-off before the estimated delivery day."""
    if direction == Direction.RETURN or status not in CHANGEABLE:
        return []
    offered = settings_of(brand).delivery_options
    if estimate is not None and offered.cutoff_hours:
        day_starts = datetime.combine(estimate, time(0), ZoneInfo(brand.time_zone or "UTC"))
        if utcnow() > day_starts - timedelta(hours=offered.cutoff_hours):
            return []
    return offered.enabled()


def problem_kinds(status: S, direction: Direction) -> list[str]:
    """What the shopper may report: a return is the retailer's to chase, not the shopper's."""
    if direction == Direction.RETURN:
        return []
    if status == S.DELIVERED:
        return ["damaged", "missing_items", "not_received"]
    return ["late", "damaged"]


async def parcel_views(brand: Brand, order: Order) -> list[ParcelView]:
    parcels = await timeline.parcels(order)
    requests = await rows_where(
        DeliveryRequest,
        "shipment_id IN (SELECT id FROM shipment WHERE order_id = ?)",
        [order.id],
        order="id",
    )
    refunded = any(p.shipment.direction == Direction.RETURN for p in parcels) and (
        await Refund.exists(order_id=order.id)
    )
    views = []
    chosen = settings_of(brand).delivery_prediction
    for p in parcels:
        status, direction = p.derived.status, Direction(p.shipment.direction)
        is_return = direction == Direction.RETURN
        step = return_step(p.derived, refunded)
        views.append(
            ParcelView(
                parcel=p,
                headline=REFUNDED if is_return and refunded else headline(direction, status),
                next_step=RETURN_NEXT_STEP[step] if is_return else NEXT_STEP[status],
                is_return=is_return,
                requests=[r for r in requests if r.shipment_id == p.shipment.id],  # type: ignore[attr-defined]
                options=delivery_options(brand, status, direction, p.derived.estimated_delivery),
                problems=problem_kinds(status, direction),
                refunded=refunded,
                estimate=shown(p.shipment, status, derive.date_ahead(p.derived), chosen),
            )
        )
    return views
