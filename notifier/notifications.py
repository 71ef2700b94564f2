"""From a shipment's change to a message: plan (one row per shipment, trigger, channel, which
the database keeps unique) and deliver (quiet hours, supersession, caps, grouping, provider)."""

import logging
from datetime import date, timedelta
from typing import Any

from arq import Retry
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from porchlight.accounts.brand_settings import settings_of
from porchlight.channels import Outgoing, PermanentSendError, TransientSendError, channel_for
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
from porchlight.notifications import triggers, whatsapp
from porchlight.notifications.messages import brand_look, render_message
from porchlight.notifications.policy import (
    Decision,
    brand_channels,
    channels_for,
    customer_allows,
    daily_cap,
    estimate_hold,
    group_hold,
    quiet_until,
    shipped_grace,
    withheld,
)
from porchlight.notifications.rating_links import rating_urls
from porchlight.notifications.texts import own_texts
from porchlight.notifications.unsubscribe import unsubscribe_token
from porchlight.orders.links import order_url
from porchlight.orders.refunds import refund_parcel
from porchlight.orders.split import still_to_come
from porchlight.platform import i18n
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import DELIVER_NOTIFICATION
from porchlight.platform.settings import Settings
from porchlight.tracking import derive, timeline
from porchlight.tracking.derive import Change
from porchlight.tracking.status_text import headline

log = logging.getLogger(__name__)
S = NotificationStatus
MAX_ATTEMPTS = 5
GROUP_WINDOW = timedelta(hours=2)  # parcels shipping this close together share one message
# A date message whose date moved back before it was due: nothing was sent, so the row may be
# used again when the date moves once more (the one skip that does not close the slot).
DATE_MOVED_BACK = "date_moved_back"


async def enqueue(redis: Any, notification: Notification) -> None:
    """Deterministic job id per (row, due time): replays fold, a deferral gets a new job. The
    due time counts microseconds: a row re-armed within the second it was first due would
    otherwise meet its old job's id (still queued, or kept as a result) and never be sent."""
    due = notification.due_at or utcnow()
    try:
        await redis.enqueue_job(
            DELIVER_NOTIFICATION,
            notification.id,
            _job_id=f"notify:{notification.id}:{int(due.timestamp() * 1_000_000)}",
            _defer_until=due,
        )
    except (RedisError, OSError) as exc:
        log.warning(
            "notification %s not enqueued, the due sweep sends it: %s", notification.id, exc
        )


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
    """Pending rows whose job was lost (Redis restarted empty) are enqueued again."""
    stale = await Notification.filter(
        status=S.PENDING, due_at__lte=utcnow() - timedelta(minutes=1)
    ).limit(1000)
    for row in stale:
        await enqueue(ctx["redis"], row)
    return len(stale)


async def deliver(ctx: dict[str, Any], notification_id: int) -> str:
    row = await Notification.get_or_none(id=notification_id).select_related(
        "shipment__order__brand", "customer"
    )
    if row is None:
        return "gone"
    if row.status == S.SENDING:
        if row.grouped_into_id not in (None, row.id):  # type: ignore[attr-defined]
            return "grouped"  # its message is another row's, in flight now
        # (grouped into itself: the claim was made and the worker died before it settled)
        # A worker died after recording the attempt: the provider may have sent it. At most once.
        await _release_group(row, S.FAILED)
        return await _finish(row, S.FAILED, error="interrupted mid-send: not resent")
    if row.status != S.PENDING:
        return row.status
    if row.due_at and row.due_at > utcnow() + timedelta(seconds=1):
        return "not due"  # an older job for a row since deferred: its own job will come
    shipment, order, customer = row.shipment, row.shipment.order, row.customer
    brand = order.brand
    trigger = Trigger(row.trigger)
    if triggers.superseded(trigger, ShipmentStatus(shipment.status)):
        return await _finish(row, S.SKIPPED, reason="superseded")
    if reason := withheld(order):
        return await _finish(row, S.SKIPPED, reason=reason)
    if trigger in triggers.DATE_TRIGGERS and not triggers.date_still_moved(
        trigger, row.about_date, shipment.estimated_delivery, order.promised_delivery_date
    ):
        return await _finish(row, S.SKIPPED, reason=DATE_MOVED_BACK)
    if row.channel == Channel.WHATSAPP:  # a STOP or a change of mind while it waited
        allowed = customer_allows(customer, order, Channel.WHATSAPP, suppressed=False)
        if not allowed.send:
            return await _finish(row, S.SKIPPED, reason=allowed.reason)
    now = utcnow()
    wake = quiet_until(now, customer, brand)
    if wake is not None:
        row.due_at = wake
        await row.save(update_fields=["due_at"])
        await enqueue(ctx["redis"], row)
        return "deferred"
    sent_today = await Notification.filter(
        shipment__order_id=order.id,
        channel=row.channel,
        status__in=[S.SENT, S.DELIVERED],
        sent_at__gte=now - timedelta(days=1),
        grouped_into_id=None,
    ).count()
    if sent_today >= daily_cap(brand):
        return await _finish(row, S.SKIPPED, reason="daily_cap")
    # Claim before the provider call, in one statement per row: of two workers holding the
    # same row, or two siblings each wanting to carry the other, exactly one goes on.
    group = await _claim(row, order)
    if not group:
        return "taken"
    row = group[0]
    settings: Settings = ctx["settings"]
    try:
        message = await _render(settings, row, order, group)
        row.subject, row.body = message.subject, message.text
        await row.save(update_fields=["subject", "body"])
        provider_id = await channel_for(Channel(row.channel), settings).send(message)
    except TransientSendError as exc:
        await _release_group(row, S.PENDING)
        if row.attempts >= MAX_ATTEMPTS:
            return await _finish(row, S.FAILED, error=str(exc))
        row.status, row.error = S.PENDING, str(exc)[:255]
        await row.save(update_fields=["status", "error"])
        backoff = settings.notification_retry_seconds * 2**row.attempts
        raise Retry(defer=timedelta(seconds=backoff)) from None
    except PermanentSendError as exc:
        await _release_group(row, S.PENDING)
        return await _finish(row, S.FAILED, error=str(exc))
    row.provider_id, row.sent_at, row.status, row.error = provider_id, utcnow(), S.SENT, ""
    await row.save(update_fields=["provider_id", "sent_at", "status", "error"])
    await Notification.filter(grouped_into_id=row.id, status=S.SENDING).update(
        status=S.SENT, sent_at=row.sent_at, provider_id=provider_id, subject=row.subject
    )
    return S.SENT


async def _finish(row: Notification, status: S, *, reason: str = "", error: str = "") -> str:
    row.status, row.skip_reason, row.error = status, reason, error[:255]
    await row.save(update_fields=["status", "skip_reason", "error"])
    return status


async def _claim(row: Notification, order: Order) -> list[Notification]:
    """Mark this row, and for a "shipped" notice the order's other parcels waiting for the same
    message, as being sent by this job. Returns what this job claimed, the carrier row (this
    job's own, unless another job had taken it) first."""
    ids: list[Any] = [row.id]
    if row.trigger == Trigger.SHIPPED:
        ids = await Notification.filter(
            shipment__order_id=order.id,
            trigger=row.trigger,
            channel=row.channel,
            due_at__lte=utcnow() + GROUP_WINDOW,
            status=S.PENDING,
        ).values_list("id", flat=True)
    # The status test sits in the UPDATE's own WHERE, not in a subquery (which a filter across
    # the shipment join becomes): PostgreSQL rechecks only the UPDATE's own conditions on a row
    # a sibling's job claimed meanwhile, so both jobs would otherwise claim both rows.
    await Notification.filter(id__in=ids, status=S.PENDING).update(
        status=S.SENDING, grouped_into_id=row.id
    )
    group = await Notification.filter(grouped_into_id=row.id, status=S.SENDING).order_by("id")
    if not group:
        return []
    # This job's own row carries the message: its job is this one, so no other job can find it
    # in flight and take it for a crashed send (a sibling's job sees it is grouped and leaves).
    group.sort(key=lambda n: n.id != row.id)
    leader = await Notification.get(id=group[0].id).select_related("customer")
    leader.grouped_into_id, leader.attempts = None, leader.attempts + 1  # type: ignore[attr-defined]
    await leader.save(update_fields=["grouped_into_id", "attempts"])
    for sibling in group[1:]:
        if sibling.grouped_into_id != leader.id:  # type: ignore[attr-defined]
            sibling.grouped_into_id = leader.id  # type: ignore[attr-defined]
            await sibling.save(update_fields=["grouped_into_id"])
    return [leader, *group[1:]]


async def _release_group(row: Notification, status: S) -> None:
    """Siblings go back to waiting on their own (or fail with an interrupted leader)."""
    await Notification.filter(grouped_into_id=row.id, status=S.SENDING).update(
        status=status, grouped_into_id=None
    )


async def _render(
    settings: Settings, row: Notification, order: Order, group: list[Notification]
) -> Outgoing:
    brand, customer = order.brand, row.customer
    parcels = await timeline.parcels(order)
    in_message = {n.shipment_id for n in group}  # type: ignore[attr-defined]
    outbound = [p for p in parcels if p.shipment.direction == Direction.OUTBOUND]
    total = timeline.parcel_total(order, len(outbound))
    trigger = Trigger(row.trigger)
    if trigger == Trigger.SHIPPED and total > 1 and len(in_message) < total:
        trigger = Trigger.SPLIT_PROGRESS  # "2 of 3 parcels shipped"
    shipped = sum(1 for p in outbound if p.shipment.first_scan_at or p.shipment.id in in_message)
    refund = (
        await Refund.filter(order_id=order.id).order_by("-id").first()
        if trigger == Trigger.REFUND_ISSUED
        else None
    )
    link = await order_url(settings.public_base_url, brand, order)
    base = link.rsplit("/o/", 1)[0]
    secret = settings.secret_key.get_secret_value()
    unsubscribe = f"{base}/unsubscribe/{unsubscribe_token(secret, customer)}"
    # The delivered email asks how it went: one signed link per score (porchlight.feedback).
    rate = trigger == Trigger.DELIVERED and row.channel == Channel.EMAIL
    shipment_id: int = row.shipment_id  # type: ignore[attr-defined]
    chosen = settings_of(brand)
    offered = customer.locale in chosen.languages  # else the brand stopped offering it
    locale = (customer.locale if offered else None) or brand.default_locale
    context = {
        "brand": brand,
        "order": order,
        "customer": customer,
        "locale": locale,
        "order_url": link,
        "unsubscribe_url": unsubscribe,
        **brand_look(brand, base),
        "support": chosen.support,
        "tz": i18n.time_zone(customer.time_zone, brand.time_zone),
        "shipped_count": shipped,
        "parcel_count": total,
        "still_to_come": still_to_come(order, [p.shipment for p in parcels]),
        "previous_date": row.about_date,  # a date message: the date before the move
        "refund": refund,
        "rating_urls": rating_urls(base, secret, order.id, shipment_id) if rate else [],
        "parcels": [
            {
                "position": p.position,
                "of": p.of,
                "carrier": p.shipment.carrier,
                "tracking_number": p.shipment.tracking_number,
                "headline": headline(p.shipment.direction, p.derived.status),
                "estimated_delivery": derive.date_ahead(p.derived),
                "delivered_at": p.derived.delivered_at,
            }
            for p in parcels
            if p.shipment.id in in_message
        ],
    }
    own = await own_texts(brand, trigger, locale)  # the brand's wording, from the console
    rendered = render_message(trigger, brand.theme, locale, context, chosen.tone, own=own)
    if row.channel == Channel.WHATSAPP:
        template = whatsapp.template_for(brand, (trigger, Trigger(row.trigger)), locale, context)
        if template is None:  # turned off since the row was written
            raise PermanentSendError("WhatsApp is off for this brand or message")
        return Outgoing(
            reference=f"{row.id:08d}",
            brand_id=brand.id,
            kind=Channel.WHATSAPP,
            to=whatsapp.address(row.recipient),
            subject="",
            text=rendered.sms,
            html="",
            sender=whatsapp.address(chosen.whatsapp.sender or ""),
            unsubscribe_url=unsubscribe,
            status_callback=f"{settings.public_base_url}/hooks/twilio/status",
            content_sid=template.content_sid,
            content_variables=template.content_variables,
        )
    email = row.channel == Channel.EMAIL
    return Outgoing(
        reference=f"{row.id:08d}",
        brand_id=brand.id,
        kind=Channel(row.channel),
        to=row.recipient,
        subject=rendered.subject if email else "",
        text=rendered.text if email else rendered.sms,
        html=rendered.html if email else "",
        sender=(brand.email_from or settings.email_from)
        if email
        else (brand.sms_from or settings.twilio_from_number or ""),
        sender_name=brand.name if email else "",
        unsubscribe_url=unsubscribe,
        status_callback=f"{settings.public_base_url}/hooks/twilio/status",
        reply_to=(chosen.reply_to or "") if email else "",
    )
