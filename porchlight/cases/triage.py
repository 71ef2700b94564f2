"""What makes one case weigh more than another, and what a case's cause says about its close.

Flags come from the retailer (order flags) and from our own data: the order's value, the
customer's history with the brand, and how many cases the parcel's lane had lately. The queue
sorts on `rank`, one bit per flag in PriorityFlag's order, so SQL can sort and filter on it."""

from datetime import timedelta

from tortoise.expressions import Q

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import CloseCode, ExceptionType, PriorityFlag
from porchlight.models import Brand, Case, Order, Shipment
from porchlight.platform.clock import utcnow

# VIP 16, high value 8, first-time buyer 4, subscription 2, repeat lane 1.
BIT = {flag: 1 << (len(PriorityFlag) - 1 - i) for i, flag in enumerate(PriorityFlag)}


def rank(flags: list[str]) -> int:
    return sum(BIT[PriorityFlag(f)] for f in set(flags) if f in BIT)


async def first_time_buyer(order: Order) -> bool:
    """No earlier order from the same customer with this brand: placed before it, or
    registered before it and not placed after it."""
    registered_before = Q(id__lt=order.id)
    if order.placed_at is not None:
        registered_before &= Q(placed_at__lte=order.placed_at) | Q(placed_at=None)
    earlier = (
        Q(placed_at__lt=order.placed_at) | registered_before
        if order.placed_at
        else registered_before
    )
    return not await Order.filter(
        earlier,
        brand_id=order.brand_id,  # type: ignore[attr-defined]
        customer_id=order.customer_id,  # type: ignore[attr-defined]
    ).exists()


async def repeat_lane(brand: Brand, shipment: Shipment) -> bool:
    """Enough recent cases on this lane: the same carrier from the same node to the same area
    (`shipment.lane` is node > destination area). A busy carrier on other lanes does not count."""
    chosen = settings_of(brand)
    since = utcnow() - timedelta(days=chosen.repeat_issue_days)
    recent = await Case.filter(
        brand_id=brand.id,
        opened_at__gte=since,
        shipment__carrier=shipment.carrier,
        shipment__lane=shipment.lane,
    ).count()
    return recent >= chosen.repeat_issue_threshold


async def priority_flags(brand: Brand, order: Order, shipment: Shipment) -> list[str]:
    flags = {f for f in order.flags if f in BIT}
    if (
        order.value_amount is not None
        and order.value_amount >= settings_of(brand).high_value_amount
    ):
        flags.add(PriorityFlag.HIGH_VALUE)
    if PriorityFlag.FIRST_TIME_BUYER not in flags and await first_time_buyer(order):
        flags.add(PriorityFlag.FIRST_TIME_BUYER)
    if await repeat_lane(brand, shipment):
        flags.add(PriorityFlag.REPEAT_ISSUE)
    return sorted(flags, key=lambda f: -BIT[PriorityFlag(f)])


def implied_close_code(brand: Brand, case: Case, shipment: Shipment) -> CloseCode:
    """The close code a delivered scan implies for a waiting case: a parcel the carrier got
    late (no first scan, or a first scan later than the brand's no-first-scan threshold after
    shipping) was the warehouse's late hand-over; one that was moving and slowed, the carrier's."""
    if case.type == ExceptionType.NO_FIRST_SCAN:
        return CloseCode.WAREHOUSE_MISS
    late_after = timedelta(hours=settings_of(brand).exception_thresholds.no_first_scan_hours)
    if (
        shipment.shipped_at is not None
        and shipment.first_scan_at is not None
        and shipment.first_scan_at - shipment.shipped_at > late_after
    ):
        return CloseCode.WAREHOUSE_MISS
    return CloseCode.CARRIER_DELAY
