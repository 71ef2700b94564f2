"""The few Admin API (REST) calls the connector needs: one order, every order since a date page
by page (cursor pagination through the Link header), and the store's webhook subscriptions."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from porchlight.carriers.base import JsonObject
from porchlight.connectors.accounts import ShopCredentials
from porchlight.platform.settings import Settings

API_VERSION = "2025-10"
PAGE_SIZE = 250  # the Admin API's largest page
TIMEOUT_SECONDS = 15


class ShopifyUnavailable(Exception):
    """The Admin API did not answer usefully now (network, 429, 5xx): try again later."""


class ShopifyRefused(Exception):
    """The Admin API refused us: 401/403 (the token is wrong or lacks read_orders), or a
    request it will never take."""


def _base(settings: Settings, shop: str) -> str:
    root = settings.shopify_api_base or f"https://{shop}"
    return f"{root}/admin/api/{API_VERSION}"


async def _get(
    http: httpx.AsyncClient, creds: ShopCredentials, url: str, **params: str
) -> httpx.Response:
    return await _call(http, creds, "GET", url, params=params or None)


async def _call(
    http: httpx.AsyncClient, creds: ShopCredentials, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    try:
        response = await http.request(
            method,
            url,
            headers={"X-Shopify-Access-Token": creds.token, "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            **kwargs,
        )
    except httpx.HTTPError as exc:
        raise ShopifyUnavailable(f"Shopify unreachable: {type(exc).__name__}") from None
    if response.status_code in (401, 403):
        raise ShopifyRefused(f"Shopify refused the access token ({response.status_code})")
    if response.status_code == 429 or response.status_code >= 500:
        raise ShopifyUnavailable(f"Shopify answered {response.status_code}")
    return response


def _json(response: httpx.Response, key: str) -> object:
    try:
        return response.json().get(key)
    except (ValueError, AttributeError):
        raise ShopifyUnavailable(f"Shopify answered something other than JSON with {key}") from None


async def get_order(
    http: httpx.AsyncClient, settings: Settings, creds: ShopCredentials, order_id: int
) -> JsonObject | None:
    response = await _get(http, creds, f"{_base(settings, creds.shop)}/orders/{order_id}.json")
    if response.status_code == 404:
        return None
    order = _json(response, "order")
    if not isinstance(order, dict):
        raise ShopifyUnavailable("Shopify's order answer holds no order")
    return order


async def count_orders(
    http: httpx.AsyncClient, settings: Settings, creds: ShopCredentials, since: datetime
) -> int:
    response = await _get(
        http,
        creds,
        f"{_base(settings, creds.shop)}/orders/count.json",
        status="any",
        created_at_min=since.isoformat(),
    )
    count = _json(response, "count")
    return count if isinstance(count, int) else 0


@dataclass(frozen=True)
class Page:
    orders: list[JsonObject]
    next_url: str | None


def first_page_url(settings: Settings, shop: str, since: datetime) -> str:
    query = httpx.QueryParams(
        status="any", created_at_min=since.isoformat(), limit=str(PAGE_SIZE), order="created_at asc"
    )
    return f"{_base(settings, shop)}/orders.json?{query}"


async def pages(http: httpx.AsyncClient, creds: ShopCredentials, url: str) -> AsyncIterator[Page]:
    """From `url` on, each page with the URL of the one after (None at the end)."""
    next_url: str | None = url
    while next_url:
        response = await _get(http, creds, next_url)
        orders = _json(response, "orders")
        if not isinstance(orders, list):
            raise ShopifyUnavailable("Shopify's orders answer holds no list")
        next_url = response.links.get("next", {}).get("url")
        yield Page([o for o in orders if isinstance(o, dict)], next_url)


async def webhooks(
    http: httpx.AsyncClient, settings: Settings, creds: ShopCredentials
) -> list[JsonObject]:
    """The store's webhook subscriptions (a store has a few; one page holds them all)."""
    url = f"{_base(settings, creds.shop)}/webhooks.json"
    found = _json(await _get(http, creds, url, limit=str(PAGE_SIZE)), "webhooks")
    if not isinstance(found, list):
        raise ShopifyUnavailable("Shopify's webhooks answer holds no list")
    return [w for w in found if isinstance(w, dict)]


async def subscribe_webhook(
    http: httpx.AsyncClient, settings: Settings, creds: ShopCredentials, topic: str, address: str
) -> None:
    """One topic's JSON deliveries to `address`. Shopify's 422 "address … already been taken"
    means it is subscribed already: fine; any other 4xx is a refusal, with Shopify's words."""
    body = {"webhook": {"topic": topic, "address": address, "format": "json"}}
    url = f"{_base(settings, creds.shop)}/webhooks.json"
    response = await _call(http, creds, "POST", url, json=body)
    if response.status_code < 400:
        return
    words = response.text[:200]
    if response.status_code == 422 and "taken" in words:
        return
    raise ShopifyRefused(f"Shopify refused the {topic} webhook ({response.status_code}): {words}")
