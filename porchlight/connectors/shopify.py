"""Shopify's webhooks and Admin API orders mapped onto ours: orders and customers (consent →
opt-in), fulfilments → parcels, refunds → the refund notice.

A body that is authentic but cannot become an order (no email, no shipping address) is
accepted and recorded with the reason rather than refused: Shopify retries a refusal for two
days and then removes the subscription, which would stop every later order too."""

import base64
import hashlib
import hmac
import logging
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import Any

from arq.connections import ArqRedis
from babel import Locale, UnknownLocaleError
from pydantic import ValidationError
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from porchlight.carriers.base import JsonObject, MalformedPayload, items, obj, text, timestamp
from porchlight.connectors.carrier_codes import from_shopify
from porchlight.connectors.registration import request_registration
from porchlight.enums import NotificationStatus
from porchlight.models import Brand, Notification, Order, Shipment, ShopifyOrder
from porchlight.notifications.policy import ORDER_CANCELLED
from porchlight.orders.orders import (
    TrackingNumberTaken,
    add_shipment,
    react_to_registration,
    upsert_order,
)
from porchlight.orders.payload import OrderIn, ShipmentIn, to_e164
from porchlight.orders.refunds import announce, record_refund
from porchlight.platform.jobs import IMPORT_SHOPIFY_ORDER

log = logging.getLogger(__name__)

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled")
FULFILLMENT_TOPICS = ("fulfillments/create", "fulfillments/update")
REFUND_TOPICS = ("refunds/create",)
TOPICS = (*ORDER_TOPICS, *FULFILLMENT_TOPICS, *REFUND_TOPICS)
NOT_SHIPPED = {"cancelled", "error", "failure"}  # fulfilment states that carry no parcel
SKU_MAX = 64  # as ItemIn takes it


def verify(secret: str, body: bytes, signature: str) -> bool:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the webhook secret."""
    if not signature:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())


class Unmappable(Exception):
    """Authentic, but not something we can register as an order; the message says why."""


ID_MAX = 2**63 - 1  # Shopify's ids are 64-bit; so is the column
AMOUNT_MAX = Decimal(10) ** 10  # what a DECIMAL(12, 2) holds


def shopify_id(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ID_MAX:
        raise MalformedPayload(f"{where} must be a positive 64-bit integer")
    return value


def _consent(customer: JsonObject, key: str, legacy: str | None = None) -> bool | None:
    """True where the shopper's consent says subscribed, False only where they withdrew it
    ("unsubscribed"); otherwise None, no word: an opt-in given elsewhere (our tracking page)
    stands, and a new customer is not messaged."""
    consent = customer.get(key)
    if isinstance(consent, dict):
        state = consent.get("state")
        return True if state == "subscribed" else False if state == "unsubscribed" else None
    return True if legacy is not None and customer.get(legacy) is True else None


def _phone(*candidates: Any) -> str | None:
    """The first number that is a valid international one; Shopify keeps what shoppers typed."""
    for value in candidates:
        if isinstance(value, str) and value.strip():
            try:
                return to_e164(value)
            except ValueError:
                continue
    return None


def _locale(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return None


def _items(fulfillment: JsonObject, where: str) -> list[dict[str, Any]]:
    found = []
    for line in items(fulfillment.get("line_items"), f"{where}.line_items"):
        sku = line.get("sku") or line.get("variant_id") or line.get("id") or "item"
        quantity = line.get("quantity")
        found.append(
            {
                "sku": str(sku)[:SKU_MAX],
                "name": str(line.get("name") or line.get("title") or "")[:200],
                "quantity": quantity if isinstance(quantity, int) and quantity >= 1 else 1,
            }
        )
    return found


def fulfillment_shipments(fulfillment: JsonObject, where: str = "fulfillment") -> list[ShipmentIn]:
    """Each tracking number of a fulfilment is a parcel carrying the fulfilment's items."""
    if text(fulfillment.get("status"), f"{where}.status") in NOT_SHIPPED:
        return []
    numbers = fulfillment.get("tracking_numbers")
    if not isinstance(numbers, list) or not numbers:
        numbers = [fulfillment.get("tracking_number")]
    carrier = from_shopify(text(fulfillment.get("tracking_company"), f"{where}.tracking_company"))
    location = fulfillment.get("location_id")
    shipments = []
    for number in numbers:
        if not isinstance(number, str) or not number.strip():
            continue
        try:
            shipments.append(
                ShipmentIn(
                    carrier=carrier,
                    tracking_number=number,
                    shipped_at=fulfillment.get("created_at"),
                    fulfilment_node=str(location) if location else "",
                    items=_items(fulfillment, where),  # type: ignore[arg-type]
                )
            )
        except ValidationError as exc:
            raise Unmappable(f"{where}: {_fields(exc)}") from None
    return shipments


def _fields(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))} {e['msg']}" for e in exc.errors())


def order_in(order: JsonObject) -> OrderIn:
    """Shopify's order (webhook body or Admin API) as our order contract."""
    number = text(order.get("name"), "name").lstrip("#") or str(order.get("order_number") or "")
    if not number:
        raise MalformedPayload("name is required")
    customer = order.get("customer")
    customer = obj(customer, "customer") if customer is not None else {}
    email = text(order.get("email"), "email") or text(customer.get("email"), "customer.email")
    if not email:
        raise Unmappable("the order has no email address")
    address = order.get("shipping_address")
    address = obj(address, "shipping_address") if address is not None else {}
    if not text(address.get("zip"), "shipping_address.zip"):
        raise Unmappable("the order has no shipping address with a postcode")
    name = " ".join(
        part
        for part in (customer.get("first_name"), customer.get("last_name"))
        if isinstance(part, str)
    ) or text(address.get("name"), "shipping_address.name")
    shipments: dict[str, ShipmentIn] = {}
    for i, fulfillment in enumerate(items(order.get("fulfillments"), "fulfillments")):
        for shipment in fulfillment_shipments(fulfillment, f"fulfillments[{i}]"):
            shipments.setdefault(shipment.tracking_number, shipment)
    value = None
    if order.get("total_price") not in (None, "") and order.get("currency"):
        value = {"amount": order.get("total_price"), "currency": order.get("currency")}
    data = {
        "order_number": number,
        "placed_at": order.get("created_at"),
        "value": value,
        "customer": {
            "email": email,
            "phone": _phone(order.get("phone"), customer.get("phone"), address.get("phone")),
            "name": name[:200],
            "locale": _locale(order.get("customer_locale")),
            "notifications": {
                "email": _consent(customer, "email_marketing_consent", "accepts_marketing"),
                "sms": _consent(customer, "sms_marketing_consent"),
            },
        },
        "destination": {
            "postcode": address.get("zip"),
            "country": address.get("country_code"),
            "city": str(address.get("city") or "")[:200],
            "line1": str(address.get("address1") or "")[:200],
            "line2": str(address.get("address2") or "")[:200],
            "state": str(address.get("province_code") or "")[:200],
        },
        "shipments": list(shipments.values()),
    }
    try:
        return OrderIn.model_validate(data)
    except ValidationError as exc:
        raise Unmappable(_fields(exc)) from None


def refund_amount(refund: JsonObject) -> tuple[Decimal | None, str | None]:
    """What went back to the shopper: the successful refund transactions."""
    total, currency = Decimal(0), None
    for i, transaction in enumerate(items(refund.get("transactions"), "transactions")):
        if transaction.get("kind") != "refund" or transaction.get("status") != "success":
            continue
        try:
            amount = Decimal(text(transaction.get("amount"), f"transactions[{i}].amount"))
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or not 0 <= amount < AMOUNT_MAX:
            raise MalformedPayload(f"transactions[{i}].amount is not an amount")
        total += amount
        currency = currency or text(transaction.get("currency"), f"transactions[{i}].currency")
    if currency is None or total >= AMOUNT_MAX:
        return None, None
    return total.quantize(Decimal("0.01")), currency[:3]


async def _refund(arq: ArqRedis, order: Order, refund: JsonObject, *, notify: bool) -> bool:
    amount, currency = refund_amount(refund)
    refund_id = shopify_id(refund.get("id"), "refund.id")
    text(refund.get("note"), "refund.note")  # a malformed note is refused like any field
    if amount is None or currency is None:
        return False  # a refund that returned no money (restock only): nothing to tell
    recorded, new = await record_refund(
        order,
        amount=amount,
        currency=currency,
        source="shopify",
        external_id=f"shopify:{refund_id}",
        notice_owed=notify,
    )
    if new and notify:
        await announce(arq, recorded)
    return new


async def apply_order(
    arq: ArqRedis, brand: Brand, order: JsonObject, *, notify_refunds: bool = True
) -> str:
    """Create or update the order with its customer, parcels and refunds; register the parcels
    at the brand's aggregators. Returns what was done, for the webhook's record."""
    order_id = shopify_id(order.get("id"), "id")
    try:
        data = order_in(order)
    except Unmappable as exc:
        return f"skipped: {exc}"
    try:
        ours, created, changes = await upsert_order(brand, data)
    except TrackingNumberTaken as exc:
        return f"skipped: {exc}"
    with suppress(IntegrityError):  # a twin delivery linked it a moment ago
        await ShopifyOrder.get_or_create(brand=brand, shopify_id=order_id, defaults={"order": ours})
    await react_to_registration(arq, changes)
    if await _cancelled(ours, order):
        return f"order {ours.number} cancelled in Shopify"
    await request_registration(arq, brand, [s.tracking_number for s in data.shipments])
    refunds = items(order.get("refunds"), "refunds")
    new_refunds = [await _refund(arq, ours, r, notify=notify_refunds) for r in refunds]
    verb = "created" if created else "updated"
    return (
        f"order {ours.number} {verb}, {len(data.shipments)} parcels, {sum(new_refunds)} new refunds"
    )


async def _cancelled(ours: Order, order: JsonObject) -> bool:
    """Store Shopify's `cancelled_at` on our order; a newly cancelled order's messages still
    waiting are skipped with the reason (the notifier skips any later one the same way)."""
    raw = order.get("cancelled_at")
    when = None if raw in (None, "") else timestamp(raw, "cancelled_at")
    if (when is None) != (ours.cancelled_at is None):
        ours.cancelled_at = when
        await ours.save(update_fields=["cancelled_at", "updated_at"])
        if when is not None:
            parcels = Subquery(Shipment.filter(order_id=ours.id).values("id"))
            await Notification.filter(
                shipment_id__in=parcels, status=NotificationStatus.PENDING
            ).update(status=NotificationStatus.SKIPPED, skip_reason=ORDER_CANCELLED)
    return when is not None


async def _linked(brand: Brand, order_id: int) -> Order | None:
    link = await ShopifyOrder.get_or_none(brand=brand, shopify_id=order_id).select_related("order")
    return link.order if link else None


async def import_later(arq: ArqRedis, brand: Brand, order_id: int) -> str:
    """An order we never saw: the worker reads it whole from the Admin API."""
    try:
        await arq.enqueue_job(
            IMPORT_SHOPIFY_ORDER, brand.id, order_id, _job_id=f"shopify-order:{brand.id}:{order_id}"
        )
    except (RedisError, OSError) as exc:
        log.warning("Shopify order %s not enqueued for import: %s", order_id, exc)
        return f"order {order_id} unknown; its import could not be queued (run shopify-sync)"
    return f"order {order_id} unknown; importing it from the Admin API"


async def handle(arq: ArqRedis, brand: Brand, topic: str, body: JsonObject) -> str:
    """One verified webhook; MalformedPayload for a body that is not the topic's shape."""
    if topic in ORDER_TOPICS:
        return await apply_order(arq, brand, body)
    order_id = shopify_id(body.get("order_id"), "order_id")
    order = await _linked(brand, order_id)
    if order is None:
        return await import_later(arq, brand, order_id)
    if topic in FULFILLMENT_TOPICS:
        try:
            shipments = fulfillment_shipments(body)
        except Unmappable as exc:
            return f"skipped: {exc}"
        for shipment in shipments:
            try:
                await react_to_registration(arq, await add_shipment(brand, order, shipment))
            except TrackingNumberTaken as exc:
                return f"skipped: {exc}"
        await request_registration(arq, brand, [s.tracking_number for s in shipments])
        return f"order {order.number}: {len(shipments)} parcels"
    if topic in REFUND_TOPICS:
        new = await _refund(arq, order, body, notify=True)
        return f"order {order.number}: refund {'recorded' if new else 'already known'}"
    return f"topic {topic} ignored"
