"""Connecting a store or an aggregator account: credentials sealed, only a hint kept readable,
every change audited (without the secrets)."""

import logging
import re
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from porchlight.accounts.audit import record
from porchlight.enums import EventSource
from porchlight.models import AggregatorAccount, Brand, StoreConnection
from porchlight.platform.sealed import SealBroken, hint, seal, unseal
from porchlight.platform.settings import Settings
from porchlight.tracking.status_text import N_

log = logging.getLogger(__name__)

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$")
AGGREGATORS = tuple(source.value for source in EventSource)


class ConnectError(ValueError):
    """Refused input: the field it is about and why (untranslated; the console translates)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _secret(value: str, field: str) -> str:
    value = value.strip()
    if len(value) < 8 or len(value) > 512 or any(ch.isspace() for ch in value):
        raise ConnectError(field, N_("Give 8 to 512 characters without spaces."))
    return value


async def connect_shopify(
    settings: Settings, brand: Brand, shop: str, token: str, webhook_secret: str, *, actor: str
) -> StoreConnection:
    shop = shop.strip().lower()
    if not SHOP_DOMAIN.match(shop):
        raise ConnectError("shop", N_("Give the store's NAME.myshopify.com domain."))
    token, webhook_secret = _secret(token, "token"), _secret(webhook_secret, "webhook_secret")
    async with in_transaction():
        connection = await StoreConnection.get_or_none(brand=brand, platform="shopify")
        before = (
            {"shop": connection.shop_domain, "token": connection.token_hint} if connection else None
        )
        fields: dict[str, Any] = {
            "shop_domain": shop,
            "access_token_sealed": seal(settings, token),
            "webhook_secret_sealed": seal(settings, webhook_secret),
            "token_hint": hint(token),
            # A new store starts its backfill afresh.
            "sync_since": None,
            "sync_next_url": None,
            "sync_done": 0,
            # Its webhooks are subscribed next (porchlight.connectors.subscriptions).
            "webhooks_state": "pending",
            "webhooks_error": "",
        }
        if connection is None:
            connection = await StoreConnection.create(brand=brand, platform="shopify", **fields)
        else:
            await connection.update_from_dict(fields).save()
        await record(
            "shopify.connect",
            brand=brand,
            actor=actor,
            subject=f"store:{connection.id}",
            before=before,
            after={"shop": shop, "token": connection.token_hint},
        )
    return connection


async def connect_aggregator(
    settings: Settings,
    brand: Brand,
    aggregator: str,
    api_key: str,
    webhook_secret: str,
    *,
    actor: str,
) -> AggregatorAccount:
    if aggregator not in AGGREGATORS:
        raise ConnectError("aggregator", N_("Choose EasyPost, AfterShip or Shippo."))
    api_key, webhook_secret = _secret(api_key, "api_key"), _secret(webhook_secret, "webhook_secret")
    async with in_transaction():
        account = await AggregatorAccount.get_or_none(brand=brand, aggregator=aggregator)
        before = {"key": account.key_hint} if account else None
        fields: dict[str, Any] = {
            "api_key_sealed": seal(settings, api_key),
            "webhook_secret_sealed": seal(settings, webhook_secret),
            "key_hint": hint(api_key),
        }
        if account is None:
            account = await AggregatorAccount.create(brand=brand, aggregator=aggregator, **fields)
        else:
            await account.update_from_dict(fields).save()
        await record(
            f"{aggregator}.connect",
            brand=brand,
            actor=actor,
            subject=f"aggregator:{account.id}",
            before=before,
            after={"key": account.key_hint},
        )
    return account


@dataclass(frozen=True)
class ShopCredentials:
    shop: str
    token: str
    webhook_secret: str


def shop_credentials(settings: Settings, connection: StoreConnection) -> ShopCredentials:
    return ShopCredentials(
        connection.shop_domain,
        unseal(settings, connection.access_token_sealed),
        unseal(settings, connection.webhook_secret_sealed),
    )


async def aggregator_webhook_secret(
    settings: Settings, brand: Brand, aggregator: EventSource
) -> str | None:
    """None when the brand has no account there, or its secret was sealed under another
    SECRET_KEY (then every webhook is refused until the account is connected again)."""
    account = await AggregatorAccount.get_or_none(brand=brand, aggregator=aggregator.value)
    if account is None:
        return None
    try:
        return unseal(settings, account.webhook_secret_sealed)
    except SealBroken:
        log.warning("%s account of %s unreadable: connect it again", aggregator.value, brand.slug)
        return None
