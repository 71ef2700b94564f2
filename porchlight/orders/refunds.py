"""Recording a refund: the one place an agent's case, the API (and store connectors) say "the
retailer gave money back", then `announce` it: the worker tells the shopper "your refund is on
its way" (notifier.notifications.announce_refund)."""

import logging
from decimal import Decimal

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError

from porchlight.enums import Direction
from porchlight.models import Order, Refund, Shipment
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import ANNOUNCE_REFUND

log = logging.getLogger(__name__)


async def record_refund(
    order: Order,
    *,
    amount: Decimal,
    currency: str,
    source: str,
    method: str = "",
    external_id: str | None = None,
    notice_owed: bool = True,
) -> tuple[Refund, bool]:
    """(refund, created). A refund the store already reported under `external_id` is returned
    as it was, so a resent call or webhook records nothing twice. `notice_owed` False: recorded
    without a message (the shopper heard back then)."""
    if external_id is not None:
        known = await Refund.get_or_none(brand_id=order.brand_id, external_id=external_id)  # type: ignore[attr-defined]
        if known is not None:
            return known, False
    try:
        refund = await Refund.create(
            brand_id=order.brand_id,  # type: ignore[attr-defined]
            order=order,
            amount=amount,
            currency=currency.upper()[:3],
            method=method[:32],
            source=source[:16],
            external_id=external_id,
            notice_at=None if notice_owed else utcnow(),
        )
    except IntegrityError:  # the same refund, recorded by a twin request a moment ago
        return await Refund.get(brand_id=order.brand_id, external_id=external_id), False  # type: ignore[attr-defined]
    return refund, True  # the order's version moved with the row (migration 0022)


async def announce(arq: ArqRedis, refund: Refund) -> None:
    """The worker's job for the shopper's message, once per refund (its id is the job's). The
    message itself is at most once per parcel and channel, whoever asks for it; a job that could
    not be enqueued is made up by the worker's sweep (notifier.notifications.owed_refunds)."""
    try:
        await arq.enqueue_job(ANNOUNCE_REFUND, refund.id, _job_id=f"refund:{refund.id}")
    except (RedisError, OSError) as exc:
        log.warning("refund %s recorded, its message not enqueued: %s", refund.id, exc)


async def refund_parcel(order: Order) -> Shipment | None:
    """The parcel a refund message is about: the newest return, else the order's first parcel
    (a lost parcel refunded). None for an order with no parcel: there is nothing to track."""
    latest_return = (
        await Shipment.filter(order_id=order.id, direction=Direction.RETURN).order_by("-id").first()
    )
    return latest_return or await Shipment.filter(order_id=order.id).order_by("id").first()
