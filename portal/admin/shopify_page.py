"""Integrations → Shopify (/admin/brands/<slug>/integrations/shopify): connect the brand's store
and its own aggregator accounts (as `porchlight connect-shopify` and `connect-aggregator` do),
see whether the store's webhooks are subscribed (the worker does it on connecting), the
aggregators' webhook addresses to paste, the store's last deliveries and how registrations at
the aggregators are going.

Secrets go in password fields and are never shown again: only their last four characters."""

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.functions import Count

from porchlight.connectors.accounts import ConnectError, connect_aggregator, connect_shopify
from porchlight.connectors.shopify import TOPICS
from porchlight.connectors.subscriptions import hook_url, subscribe_later
from porchlight.models import (
    AggregatorAccount,
    ShopifyWebhook,
    StoreConnection,
    TrackerRegistration,
)
from portal.admin.access import brand_of, brand_page
from portal.admin.forms import text
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

AGGREGATORS = [("easypost", "EasyPost"), ("aftership", "AfterShip"), ("shippo", "Shippo")]
RECENT = 10


async def _page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    saved: str = "",
) -> Response:
    brand = brand_of(request)
    base = app_state(request).settings.public_base_url
    accounts = await AggregatorAccount.filter(brand=brand).order_by("aggregator")
    counts = (
        await TrackerRegistration.filter(shipment__brand=brand)
        .group_by("aggregator", "state")
        .annotate(n=Count("id"))
        .values_list("aggregator", "state", "n")
    )
    context: dict[str, Any] = {
        "values": values or {},
        "errors": errors or {},
        "saved": saved,
        "store": await StoreConnection.get_or_none(brand=brand, platform="shopify"),
        "store_url": hook_url(app_state(request).settings, brand),
        "topics": TOPICS,
        "deliveries": await ShopifyWebhook.filter(brand=brand)
        .order_by("-received_at", "-id")
        .limit(RECENT),
        "accounts": accounts,
        "aggregators": AGGREGATORS,
        "names": dict(AGGREGATORS),
        "hook_urls": {a: f"{base}/hooks/{a}/{brand.slug}" for a, _ in AGGREGATORS},
        "registrations": {(a, s): n for a, s, n in counts},
    }
    return await admin_render(
        request, "admin/shopify.html", context, section="integrations", status=status
    )


@brand_page
async def show(request: Request) -> Response:
    _ = translator(request, None)
    saved = {"store": _("Store connected."), "aggregator": _("Account connected.")}.get(
        request.query_params.get("done", ""), ""
    )
    return await _page(request, saved=saved)


def _refused(request: Request, exc: ConnectError) -> dict[str, str]:
    _ = translator(request, None)
    return {exc.field: _(str(exc))}


# Each form: the field naming what it connects (kept on a refusal) with its width, the field
# holding the key, and the connector, which takes both with the webhook secret.
FORMS = {
    "store": ("shop", 255, "token", connect_shopify),
    "aggregator": ("aggregator", 16, "api_key", connect_aggregator),
}


@brand_page
async def save(request: Request) -> Response:
    """Connect the store or an aggregator account; refused input shows on the page again."""
    kind = request.path_params["kind"]
    if kind not in FORMS:
        raise HTTPException(404)
    field, width, key, connect = FORMS[kind]
    form = await checked_form(request)
    brand = brand_of(request)
    named = text(form, field, width)
    try:
        connected = await connect(
            app_state(request).settings,
            brand,
            named,
            text(form, key, 600),
            text(form, "webhook_secret", 600),
            actor=agent_of(request).email,
        )
    except ConnectError as exc:
        return await _page(request, {field: named}, _refused(request, exc), status=400)
    if isinstance(connected, StoreConnection):
        await subscribe_later(app_state(request).arq, connected)
    return RedirectResponse(
        f"/admin/brands/{brand.slug}/integrations/shopify?done={kind}", status_code=303
    )


routes = [
    Route("/admin/brands/{slug:str}/integrations/shopify", show, methods=["GET"]),
    Route("/admin/brands/{slug:str}/integrations/shopify/{kind:str}", save, methods=["POST"]),
]
