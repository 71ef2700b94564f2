"""`POST /hooks/shopify/<brand>`: the brand's connected store tells us about orders,
fulfilments and refunds. Verified with the store's webhook secret, each delivery applied once
(by X-Shopify-Webhook-Id), answered quickly: an order Shopify names that we never saw is
imported by the worker."""

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.exceptions import IntegrityError

from porchlight.accounts.brands import brand_by_slug
from porchlight.carriers.base import MalformedPayload, load_object
from porchlight.connectors import shopify
from porchlight.connectors.accounts import shop_credentials
from porchlight.models import Brand, ShopifyWebhook, StoreConnection
from porchlight.models.limits import fit
from porchlight.platform.metrics import WEBHOOKS
from porchlight.platform.sealed import SealBroken
from portal.body import BodyTooLarge, error, read_limited, too_large, unsigned
from portal.state import app_state

log = logging.getLogger(__name__)
SOURCE = "shopify"


async def _secret(request: Request, brand: Brand | None) -> tuple[StoreConnection, str] | None:
    connection = (
        await StoreConnection.get_or_none(brand=brand, platform="shopify") if brand else None
    )
    if connection is None:
        return None
    try:
        return connection, shop_credentials(app_state(request).settings, connection).webhook_secret
    except SealBroken:
        log.warning("Shopify connection of %s unreadable: connect it again", connection.brand_id)  # type: ignore[attr-defined]
        return None


async def shopify_webhook(request: Request) -> Response:
    state = app_state(request)
    try:
        body = await read_limited(request, state.settings.max_webhook_bytes)
    except BodyTooLarge as exc:
        return too_large(exc)
    brand = await brand_by_slug(request.path_params["brand"])
    found = await _secret(request, brand)
    headers = request.headers
    if (
        brand is None
        or found is None
        or not shopify.verify(found[1], body, headers.get("x-shopify-hmac-sha256", ""))
        or headers.get("x-shopify-shop-domain", found[0].shop_domain).lower()
        != found[0].shop_domain
    ):
        WEBHOOKS.labels(SOURCE, "unauthenticated").inc()
        return unsigned()
    webhook_id = headers.get("x-shopify-webhook-id", "").strip()
    topic = headers.get("x-shopify-topic", "").strip()
    if not webhook_id or len(webhook_id) > 64 or not topic:
        WEBHOOKS.labels(SOURCE, "malformed").inc()
        return error(400, "X-Shopify-Webhook-Id and X-Shopify-Topic are required")
    if await ShopifyWebhook.exists(brand=brand, webhook_id=webhook_id):
        return JSONResponse({"duplicate": True})
    if topic not in shopify.TOPICS:
        outcome = f"topic {topic} ignored"
    else:
        try:
            outcome = await shopify.handle(state.arq, brand, topic, load_object(body))
        except MalformedPayload as exc:
            WEBHOOKS.labels(SOURCE, "malformed").inc()
            return error(400, str(exc))
    try:
        await ShopifyWebhook.create(
            brand=brand,
            webhook_id=webhook_id,
            topic=fit(ShopifyWebhook, "topic", topic),
            outcome=fit(ShopifyWebhook, "outcome", outcome),
        )
    except IntegrityError:
        return JSONResponse({"duplicate": True})  # a twin delivery finished first
    WEBHOOKS.labels(SOURCE, "accepted").inc()
    return JSONResponse({"outcome": outcome})


routes = [
    Route("/hooks/shopify/{brand:str}", shopify_webhook, methods=["POST"], name="hook_shopify")
]
