"""Signed outbound webhooks to the retailer (delivery-change requests), with retries."""

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import httpx
from arq import Retry

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand, DeliveryRequest
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import FORWARD_DELIVERY_REQUEST

log = logging.getLogger(__name__)
MAX_TRIES = 6
RETRY_BASE_SECONDS = 30.0  # doubled per attempt, capped at an hour
TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


NOT_CONFIGURED = "the brand has no retailer_webhook_url/secret yet"


def _webhook(brand: Brand) -> tuple[str | None, str | None]:
    chosen = settings_of(brand)
    return chosen.retailer_webhook_url, chosen.retailer_webhook_secret


def signature(secret: str, body: bytes) -> str:
    """What the retailer checks: sha256=<hex HMAC of the raw body with the brand's secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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
    url, secret = _webhook(brand)
    if not url or not secret:
        log.warning("delivery request %s waits: %s", change.id, NOT_CONFIGURED)
        change.last_error = NOT_CONFIGURED
        await change.save(update_fields=["last_error"])
        return "not configured"
    body = json.dumps(payload(change), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Porchlight-Signature": signature(secret, body),
        "Idempotency-Key": f"delivery-request-{change.id}",
    }
    change.attempts += 1
    try:
        response = await ctx["http"].post(url, content=body, headers=headers)
        problem = "" if response.is_success else f"HTTP {response.status_code}"
        transient = response.status_code in TRANSIENT
    except httpx.HTTPError as exc:
        problem, transient = f"{type(exc).__name__}", True
    if not problem:
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
