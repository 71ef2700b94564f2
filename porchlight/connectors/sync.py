"""The backfill: every Shopify order since a date that webhooks did not bring (the store was
connected later, or Porchlight was down), applied as a webhook would be.

Resumable: after each page the connection keeps the next page's URL for that `since`, so a run
that stopped (Ctrl-C, a network error) goes on from there; a finished run clears it."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
from arq.connections import ArqRedis

from porchlight.carriers.base import MalformedPayload
from porchlight.connectors import shopify_api
from porchlight.connectors.accounts import shop_credentials
from porchlight.connectors.shopify import apply_order
from porchlight.models import Brand, StoreConnection
from porchlight.platform.settings import Settings


class NotConnected(Exception):
    pass


@dataclass(frozen=True)
class Progress:
    total: int  # orders Shopify counts since the date
    done: int  # orders applied so far, this run and the runs it resumes
    resumed: bool
    last_outcome: str = ""


async def sync_orders(
    settings: Settings, http: httpx.AsyncClient, arq: ArqRedis, brand: Brand, since: datetime
) -> AsyncIterator[Progress]:
    connection = await StoreConnection.get_or_none(brand=brand, platform="shopify")
    if connection is None:
        raise NotConnected(f"brand {brand.slug} has no Shopify store connected")
    creds = shop_credentials(settings, connection)
    total = await shopify_api.count_orders(http, settings, creds, since)
    resumed = connection.sync_since == since and connection.sync_next_url is not None
    if not resumed:
        connection.sync_since = since
        connection.sync_next_url = shopify_api.first_page_url(settings, creds.shop, since)
        connection.sync_done = 0
        await connection.save(update_fields=["sync_since", "sync_next_url", "sync_done"])
    yield Progress(total, connection.sync_done, resumed)
    async for page in shopify_api.pages(http, creds, connection.sync_next_url or ""):
        outcome = ""
        for order in page.orders:
            # Refunds found late are recorded, not announced: the shopper heard back then.
            try:
                outcome = await apply_order(arq, brand, order, notify_refunds=False)
            except MalformedPayload as exc:
                outcome = f"skipped: {exc}"
        connection.sync_done += len(page.orders)
        connection.sync_next_url = page.next_url  # type: ignore[assignment]  # a null column
        await connection.save(update_fields=["sync_next_url", "sync_done"])
        yield Progress(total, connection.sync_done, resumed, outcome)
