"""Recording a refund the retailer issued, once per (order, source, the source's own id), so a
resent webhook or a double click never notifies the shopper twice.

The one shared path: Shopify's refunds/create calls it today; agent refunds and the API are
meant to call it too. Whoever records a new refund enqueues the refund notice."""

import logging
from decimal import Decimal

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError

from porchlight.models import Order, Refund
from porchlight.platform.jobs import REFUND_NOTICE

log = logging.getLogger(__name__)


async def record_refund(
    order: Order,
    *,
    source: str,
    external_id: str,
    amount: Decimal | None = None,
    currency: str | None = None,
    note: str = "",
) -> tuple[Refund, bool]:
    """(the refund, whether it is new)."""
    existing = await Refund.get_or_none(order=order, source=source, external_id=external_id)
    if existing is not None:
        return existing, False
    try:
        refund = await Refund.create(
            order=order,
            source=source,
            external_id=external_id[:64],
            amount=amount,
            currency=currency,
            note=note[:255],
        )
    except IntegrityError:  # the same refund recorded at this very moment by a twin delivery
        return await Refund.get(order=order, source=source, external_id=external_id), False
    return refund, True


async def notify_refund(arq: ArqRedis, refund: Refund) -> None:
    """The worker sends the "refund issued" message (at most once per parcel and channel)."""
    try:
        await arq.enqueue_job(REFUND_NOTICE, refund.id, _job_id=f"refund:{refund.id}")
    except (RedisError, OSError) as exc:
        log.warning("refund notice for refund %s not enqueued: %s", refund.id, exc)
