"""Worker jobs of the connectors: register tracking numbers at aggregators, import a Shopify
order a webhook named, subscribe a connected store's webhooks."""

import logging
from datetime import timedelta
from typing import Any

from arq import Retry

from porchlight.carriers.base import MalformedPayload
from porchlight.connectors import registration as reg
from porchlight.connectors import shopify, shopify_api
from porchlight.connectors import subscriptions as subs
from porchlight.connectors.accounts import shop_credentials
from porchlight.models import Brand, StoreConnection, TrackerRegistration
from porchlight.platform.clock import utcnow
from porchlight.platform.sealed import SealBroken
from porchlight.platform.settings import Settings

log = logging.getLogger(__name__)

MAX_TRIES = 8  # 20 s, 40 s, … about 40 minutes of an aggregator's outage
STUCK_AFTER = timedelta(minutes=10)


def _backoff(ctx: dict[str, Any]) -> float:
    settings: Settings = ctx["settings"]
    return float(settings.notification_retry_seconds * 2 ** (ctx["job_try"] - 1))


async def register_tracker(ctx: dict[str, Any], registration_id: int) -> str:
    row = await TrackerRegistration.get_or_none(id=registration_id).select_related(
        "account", "shipment"
    )
    if row is None or row.state != reg.PENDING:
        return row.state if row else "gone"
    try:
        done = await reg.register(ctx["settings"], ctx["http"], row)
    except reg.TransientRefusal as exc:
        if ctx["job_try"] >= MAX_TRIES:
            await reg.mark(row, reg.FAILED, error=str(exc))
            return reg.FAILED
        await reg.mark(row, reg.PENDING, error=str(exc))
        raise Retry(defer=_backoff(ctx)) from None
    except (reg.PermanentRefusal, SealBroken) as exc:
        await reg.mark(row, reg.FAILED, error=str(exc))
        return reg.FAILED
    await reg.mark(row, reg.REGISTERED, external_id=done.external_id)
    return reg.REGISTERED


async def resend_pending_registrations(ctx: dict[str, Any]) -> int:
    """Rows whose job was lost (Redis restarted, enqueued while it was away) go out again."""
    stuck = await TrackerRegistration.filter(
        state=reg.PENDING, updated_at__lt=utcnow() - STUCK_AFTER
    )
    await reg.enqueue(ctx["redis"], stuck)
    return len(stuck)


async def import_shopify_order(ctx: dict[str, Any], brand_id: int, order_id: int) -> str:
    brand = await Brand.get_or_none(id=brand_id)
    connection = await StoreConnection.get_or_none(brand_id=brand_id, platform="shopify")
    if brand is None or connection is None:
        return "not connected"
    try:
        creds = shop_credentials(ctx["settings"], connection)
        order = await shopify_api.get_order(ctx["http"], ctx["settings"], creds, order_id)
    except shopify_api.ShopifyUnavailable as exc:
        if ctx["job_try"] >= MAX_TRIES:
            log.warning("Shopify order %s of %s not imported: %s", order_id, brand.slug, exc)
            return "failed"
        raise Retry(defer=_backoff(ctx)) from None
    except (shopify_api.ShopifyRefused, SealBroken) as exc:
        log.warning("Shopify order %s of %s not imported: %s", order_id, brand.slug, exc)
        return "refused"
    if order is None:
        return "no such order"
    try:
        return await shopify.apply_order(ctx["redis"], brand, order)
    except MalformedPayload as exc:
        return f"skipped: {exc}"


async def subscribe_shopify_webhooks(ctx: dict[str, Any], connection_id: int) -> str:
    """A store connected in the console: its webhooks subscribed, an outage retried with
    backoff; after the last try the connection shows failed with the error."""
    connection = await StoreConnection.get_or_none(id=connection_id)
    if connection is None or connection.webhooks_state != subs.PENDING:
        return connection.webhooks_state if connection else "gone"
    try:
        await subs.subscribe(ctx["settings"], ctx["http"], connection)
    except shopify_api.ShopifyUnavailable as exc:
        if ctx["job_try"] >= MAX_TRIES:
            await subs.mark(connection, subs.FAILED, str(exc))
            return subs.FAILED
        raise Retry(defer=_backoff(ctx)) from None
    return connection.webhooks_state


async def resend_pending_subscriptions(ctx: dict[str, Any]) -> int:
    """Stores whose subscribing job was lost (Redis away when they were connected) go again."""
    stuck = await StoreConnection.filter(
        webhooks_state=subs.PENDING, updated_at__lt=utcnow() - STUCK_AFTER
    )
    for connection in stuck:
        await subs.subscribe_later(ctx["redis"], connection)
    return len(stuck)
