"""From a shipment's change to a message: plan (one row per shipment, trigger, channel, which
the database keeps unique); `notifier.delivery` sends the rows when they are due."""

from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from notifier.delivery import DATE_MOVED_BACK, wake
from porchlight.enums import (
    CaseSource,
    CaseState,
    Channel,
    Direction,
    ExceptionType,
    NotificationStatus,
    ShipmentStatus,
    Trigger,
)
from porchlight.models import Case, EmailSuppression, Notification, Order, Refund, Shipment
from porchlight.notifications import triggers
from porchlight.notifications.policy import (
    Decision,
    brand_channels,
    channels_for,
    customer_allows,
    estimate_hold,
    group_hold,
    shipped_grace,
    withheld,
)
from porchlight.orders.refunds import refund_parcel
from porchlight.platform.clock import utcnow
from porchlight.tracking.derive import Change

S = NotificationStatus


async def enqueue(redis: Any, notification: Notification) -> None:
    """The row is sent by the job for its due time (`notifier.delivery`), with the others due
    then."""
    await wake(redis, notification.due_at or utcnow())


async def schedule(
    ctx: dict[str, Any],
    shipment: Shipment,
    order: Order,
    trigger: Trigger,
    *,
    skip_reason: str = "",
    hold: timedelta = timedelta(0),
    about: date | None = None,
) -> None:
    """One row per channel, pending or skipped with its reason. The unique (shipment, trigger,
    channel) makes a second attempt at the same message a no-op, whoever makes it; `about`:
    the date a date message starts from."""
    brand, customer = order.brand, order.customer
    suppressed = await EmailSuppression.exists(email=customer.email)
    for channel in channels_for(brand, trigger):
        if skip_reason:
            decision = Decision(False, skip_reason)
        elif reason := withheld(order):
            decision = Decision(False, reason)
        elif channel not in brand_channels(brand, trigger):
            decision = Decision(False, "policy_off")
        else:
            decision = customer_allows(customer, order, channel, suppressed)
        try:
            row = await Notification.create(
                brand=brand,
                shipment=shipment,
                customer=customer,
                trigger=trigger,
                channel=channel,
                recipient=customer.email if channel == Channel.EMAIL else customer.phone or "",
                status=S.PENDING if decision.send else S.SKIPPED,
                skip_reason=decision.reason,
                due_at=utcnow() + hold,
                about_date=about,
            )
        except IntegrityError:
            if decision.send and trigger in triggers.DATE_TRIGGERS:
                await _reopen(ctx, shipment, trigger, channel, hold, about)
            continue
        if decision.send:
            await enqueue(ctx["redis"], row)


async def _reopen(
    ctx: dict[str, Any],
    shipment: Shipment,
    trigger: Trigger,
    channel: Channel,
    hold: timedelta,
    about: date | None,
) -> None:
    """A date message dropped because the date came back (never sent) waits again for the
    date's new move. One UPDATE on the skipped row: a row sent or sending is never touched."""
    reopened = await Notification.filter(
        shipment_id=shipment.id,
        trigger=trigger,
        channel=channel,
        status=S.SKIPPED,
        skip_reason=DATE_MOVED_BACK,
    ).update(status=S.PENDING, skip_reason="", due_at=utcnow() + hold, about_date=about)
    if reopened:
        row = await Notification.get(shipment_id=shipment.id, trigger=trigger, channel=channel)
        await enqueue(ctx["redis"], row)


async def plan(ctx: dict[str, Any], changes: list[Change]) -> None:
    for change in changes:
        order = await Order.get(id=change.shipment.order_id).select_related("brand", "customer")  # type: ignore[attr-defined]
        for trigger in triggers.fired(change, order):
            if trigger == Trigger.FIRST_SCAN and not await Notification.exists(
                shipment=change.shipment, trigger=Trigger.SHIPPED
            ):
                # The "shipped" notice waited for this scan: it goes now, and says it all.
                await schedule(
                    ctx, change.shipment, order, Trigger.SHIPPED, hold=await _sibling_hold(order)
                )
                await schedule(
                    ctx, change.shipment, order, trigger, skip_reason="merged_into_shipped"
                )
                continue
            if trigger in triggers.DATE_TRIGGERS:
                # A date that moved is held, so back and forth sends one message or none; a
                # first date already late has nothing to go back to.
                since = change.before.estimated_delivery
                hold = estimate_hold(order.brand) if since else timedelta(0)
                await schedule(ctx, change.shipment, order, trigger, hold=hold, about=since)
                continue
            await schedule(ctx, change.shipment, order, trigger)


async def _sibling_hold(order: Order) -> timedelta:
    """A split order's "shipped" waits a little, so parcels scanned together share one message."""
    parcels = await Shipment.filter(order_id=order.id, direction=Direction.OUTBOUND).count()
    return group_hold(order.brand) if parcels > 1 else timedelta(0)


async def shipped_after_grace(ctx: dict[str, Any]) -> int:
    """Parcels the carrier still has not scanned when the brand's grace period is over get their
    "shipped" notice anyway. Looks at a week of shipments at most, in one indexed query."""
    now = utcnow()
    candidates = (
        await Shipment.filter(
            direction=Direction.OUTBOUND,
            first_scan_at=None,
            shipped_at__gte=now - timedelta(days=7),
            shipped_at__lte=now,
            status__not=ShipmentStatus.CANCELLED,
        )
        .exclude(notifications__trigger=Trigger.SHIPPED)
        .select_related("order__brand", "order__customer")
        .order_by("shipped_at")  # the longest waiting first: the ones still in grace can wait
        .limit(500)
    )
    sent = 0
    for shipment in candidates:
        order = shipment.order
        if shipment.shipped_at and shipment.shipped_at + shipped_grace(order.brand) <= now:
            await schedule(ctx, shipment, order, Trigger.SHIPPED, hold=await _sibling_hold(order))
            sent += 1
    return sent


async def announce_refund(ctx: dict[str, Any], refund_id: int) -> str:
    """ "Your refund is on its way" (the job `porchlight.orders.refunds.announce` enqueues):
    about the order's newest return, else its first parcel; at most once per parcel and
    channel like every message."""
    refund = await Refund.get_or_none(id=refund_id).select_related(
        "order__brand", "order__customer"
    )
    if refund is None:
        return "gone"
    shipment = await refund_parcel(refund.order)
    if shipment is not None:
        await schedule(ctx, shipment, refund.order, Trigger.REFUND_ISSUED)
    await Refund.filter(id=refund.id, notice_at=None).update(notice_at=utcnow())
    return "scheduled" if shipment is not None else "no parcel"


OWED_FOR = timedelta(days=2)  # an older refund's notice would come too late to help


async def owed_refunds(ctx: dict[str, Any]) -> int:
    """Refunds recorded whose notice was never scheduled (Redis was away when they were): the
    notice goes now, once, as the lost job would have sent it. A minute's grace leaves a job
    just enqueued to run first."""
    now = utcnow()
    owed = await Refund.filter(
        notice_at=None, created_at__lte=now - timedelta(minutes=1), created_at__gte=now - OWED_FOR
    )
    for refund in owed:
        await announce_refund(ctx, refund.id)
    return len(owed)


# The sweep's silent parcels the shopper hears about on their own: "we're looking into it".
SILENT = [ExceptionType.NO_FIRST_SCAN, ExceptionType.STALLED_IN_TRANSIT]


async def looking_into_it(ctx: dict[str, Any]) -> int:
    """Parcels the exception sweep found silent (an open case it opened) get one proactive
    message, without waiting for an agent's "notify". Runs after every sweep; cases closed since
    are not chased."""
    told = Notification.filter(trigger=Trigger.LOOKING_INTO_IT).values("shipment_id")
    cases = (
        await Case.filter(state=CaseState.OPEN, source=CaseSource.RULE, type__in=SILENT)
        .exclude(shipment_id__in=Subquery(told))
        .select_related("shipment__order__brand", "shipment__order__customer")
        .order_by("opened_at")
        .limit(500)
    )
    for case in cases:
        await schedule(ctx, case.shipment, case.shipment.order, Trigger.LOOKING_INTO_IT)
    return len(cases)


async def send_due(ctx: dict[str, Any]) -> int:
    """Pending rows whose job was lost (Redis restarted empty): one job now sends them all."""
    stale = await Notification.filter(
        status=S.PENDING, due_at__lte=utcnow() - timedelta(minutes=1)
    ).count()
    if stale:
        await wake(ctx["redis"], utcnow())
    return stale
