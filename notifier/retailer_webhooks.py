"""Signed outbound webhooks to the retailer (delivery-change requests), with retries."""

import logging
from datetime import timedelta
from typing import Any

from arq import Retry

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand, DeliveryRequest
from porchlight.orders.retailer_webhook import NotConfigured, post_signed
from porchlight.orders.retailer_webhook import signature as signature  # what retailers check
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import FORWARD_DELIVERY_REQUEST

log = logging.getLogger(__name__)
MAX_TRIES = 6
RETRY_BASE_SECONDS = 30.0  # doubled per attempt, capped at an hour


NOT_CONFIGURED = "the brand has no retailer_webhook_url/secret yet"


def _webhook(brand: Brand) -> tuple[str | None, str | None]:
    chosen = settings_of(brand)
    return chosen.retailer_webhook_url, chosen.retailer_webhook_secret


def payload(change: DeliveryRequest) -> dict[str, Any]:
    shipment = change.shipment
    return {
        "type": "delivery_request",
        "id": change.id,
        "kind": change.kind,
        "details": change.details,
        "order_number": shipment.order.number,
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "requested_at": change.created_at.isoformat(),
    }


async def forward_delivery_request(ctx: dict[str, Any], request_id: int) -> str:
    change = await DeliveryRequest.get_or_none(id=request_id).select_related(
        "shipment__order__brand"
    )
    if change is None or change.status != "requested":
        return "nothing to do"
    brand = change.shipment.order.brand
    try:
        answer = await post_signed(
            ctx["http"],
            brand,
            "delivery_request",
            payload(change),
            reference=str(change.id),
            idempotency_key=f"delivery-request-{change.id}",
        )
    except NotConfigured:
        log.warning("delivery request %s waits: %s", change.id, NOT_CONFIGURED)
        change.last_error = NOT_CONFIGURED
        await change.save(update_fields=["last_error"])
        return "not configured"
    change.attempts += 1
    problem, transient = answer.delivery.error, answer.transient
    if answer.ok:
        change.status, change.forwarded_at, change.last_error = "forwarded", utcnow(), ""
    elif transient and change.attempts < MAX_TRIES:
        change.last_error = problem
        await change.save(update_fields=["attempts", "last_error"])
        raise Retry(defer=timedelta(seconds=min(RETRY_BASE_SECONDS * 2**change.attempts, 3600)))
    else:
        change.status, change.last_error = "failed", problem
    await change.save(update_fields=["attempts", "status", "forwarded_at", "last_error"])
    return change.status


async def resend_stuck_delivery_requests(ctx: dict[str, Any]) -> int:
    """Requests whose job never ran (Redis was away when the shopper asked) go out now, and so
    do those that waited for their brand's retailer webhook once it is set. Requests still
    waiting cost no job: only their brands are looked at."""
    cutoff = utcnow() - timedelta(minutes=5)
    waiting = DeliveryRequest.filter(status="requested", created_at__lt=cutoff, attempts=0)
    brand_ids = await waiting.distinct().values_list("shipment__order__brand_id", flat=True)
    ready = [b.id for b in await Brand.filter(id__in=brand_ids) if all(_webhook(b))]
    stuck = await waiting.filter(shipment__order__brand_id__in=ready).values_list("id", flat=True)
    for request_id in stuck:
        await ctx["redis"].enqueue_job(
            FORWARD_DELIVERY_REQUEST, request_id, _job_id=f"delivery-request:{request_id}"
        )
    return len(stuck)
