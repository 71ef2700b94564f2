"""Subscribing a connected store's webhooks through the Admin API, so nobody pastes addresses:
every topic the connector handles, delivered as JSON to the brand's /hooks/shopify/<brand>.

Idempotent: the store's subscriptions are listed first and a topic already delivered to that
address is left alone, so connecting again (or a retry) never subscribes a topic twice. The
connection keeps the outcome for the console: pending (an outage: the worker retries),
subscribed, or failed with Shopify's reason."""

import logging

import httpx
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from porchlight.connectors import shopify_api
from porchlight.connectors.accounts import shop_credentials
from porchlight.connectors.shopify import TOPICS
from porchlight.models import Brand, StoreConnection
from porchlight.models.limits import fit
from porchlight.platform.jobs import SUBSCRIBE_SHOPIFY_WEBHOOKS
from porchlight.platform.sealed import SealBroken
from porchlight.platform.settings import Settings

log = logging.getLogger(__name__)

PENDING, SUBSCRIBED, FAILED = "pending", "subscribed", "failed"


def hook_url(settings: Settings, brand: Brand) -> str:
    return f"{settings.public_base_url}/hooks/shopify/{brand.slug}"


async def mark(connection: StoreConnection, state: str, error: str = "") -> None:
    connection.webhooks_state = state
    connection.webhooks_error = fit(StoreConnection, "webhooks_error", error)
    await connection.save(update_fields=["webhooks_state", "webhooks_error", "updated_at"])


async def subscribe(
    settings: Settings, http: httpx.AsyncClient, connection: StoreConnection
) -> int:
    """Subscribe the topics the store does not deliver to us yet; how many were new. Marks the
    connection subscribed, or failed with the refusal; an outage marks it pending with the error
    and raises ShopifyUnavailable for the caller to retry."""
    brand = await Brand.get(id=connection.brand_id)  # type: ignore[attr-defined]
    address = hook_url(settings, brand)
    try:
        creds = shop_credentials(settings, connection)
        present = {
            (hook.get("topic"), hook.get("address"))
            for hook in await shopify_api.webhooks(http, settings, creds)
        }
        missing = [topic for topic in TOPICS if (topic, address) not in present]
        for topic in missing:
            await shopify_api.subscribe_webhook(http, settings, creds, topic, address)
    except shopify_api.ShopifyUnavailable as exc:
        await mark(connection, PENDING, str(exc))
        raise
    except (shopify_api.ShopifyRefused, SealBroken) as exc:
        await mark(connection, FAILED, str(exc) or "the stored token is unreadable: connect again")
        return 0
    await mark(connection, SUBSCRIBED)
    return len(missing)


async def subscribe_later(arq: ArqRedis, connection: StoreConnection) -> None:
    """The worker subscribes them (retrying an outage); without Redis now, its sweep of pending
    connections does within minutes."""
    stamp = int(connection.updated_at.timestamp() * 1_000_000)  # each connecting its own job
    try:
        await arq.enqueue_job(
            SUBSCRIBE_SHOPIFY_WEBHOOKS,
            connection.id,
            _job_id=f"shopify-webhooks:{connection.id}:{stamp}",
        )
    except (RedisError, OSError) as exc:
        log.warning("webhooks of store %s not enqueued: %s", connection.id, exc)
