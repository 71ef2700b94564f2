"""Posting to the retailer's webhook: the body signed with the brand's secret
(`X-Porchlight-Signature: sha256=<hex HMAC>`), and each attempt kept with its answer and time,
so the console can show the last deliveries. Used by the worker (delivery requests) and the
console (a test ping)."""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand, WebhookDelivery
from porchlight.platform.clock import utcnow

KEEP = 200  # deliveries kept per brand; the console shows the newest
TIMEOUT = 10.0


class NotConfigured(Exception):
    """The brand has no retailer webhook URL or secret yet."""


@dataclass(frozen=True)
class Answer:
    delivery: WebhookDelivery
    transient: bool  # worth trying again (no answer, or 408/425/429/5xx)

    @property
    def ok(self) -> bool:
        return self.delivery.status_code is not None and 200 <= self.delivery.status_code < 300


TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


def signature(secret: str, body: bytes) -> str:
    """What the retailer checks: sha256=<hex HMAC of the raw body with the brand's secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post_signed(
    http: httpx.AsyncClient,
    brand: Brand,
    kind: str,
    payload: dict[str, Any],
    *,
    reference: str = "",
    idempotency_key: str = "",
) -> Answer:
    chosen = settings_of(brand)
    url, secret = chosen.retailer_webhook_url, chosen.retailer_webhook_secret
    if not url or not secret:
        raise NotConfigured
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Porchlight-Signature": signature(secret, body),
    }
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    started = time.monotonic()
    status, error = None, ""
    try:
        response = await http.post(url, content=body, headers=headers, timeout=TIMEOUT)
        status = response.status_code
        error = "" if response.is_success else f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    delivery = await WebhookDelivery.create(
        brand=brand,
        kind=kind,
        reference=reference,
        url=url,
        status_code=status,
        error=error,
        duration_ms=round((time.monotonic() - started) * 1000),
        created_at=utcnow(),
    )
    await _forget_old(brand)
    return Answer(delivery, transient=status is None or status in TRANSIENT)


async def _forget_old(brand: Brand) -> None:
    kept = await WebhookDelivery.filter(brand=brand).order_by("-id").offset(KEEP).first()
    if kept is not None:
        await WebhookDelivery.filter(brand=brand, id__lte=kept.id).delete()


async def recent_deliveries(brand: Brand, count: int = 20) -> list[WebhookDelivery]:
    return await WebhookDelivery.filter(brand=brand).order_by("-id").limit(count)


async def ping(http: httpx.AsyncClient, brand: Brand) -> Answer:
    """A harmless signed event the retailer's endpoint can answer to show it is wired up."""
    now = utcnow()
    payload = {"type": "ping", "brand": brand.slug, "sent_at": now.isoformat()}
    return await post_signed(http, brand, "ping", payload, reference=now.strftime("%H:%M:%S"))
