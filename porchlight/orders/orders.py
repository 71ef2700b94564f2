"""Registering orders and parcels, idempotent on the brand's order number."""

import logging
import secrets
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from porchlight.accounts.consent import FIELDS as CONSENT_FIELDS
from porchlight.accounts.consent import RETAILER, record_whatsapp
from porchlight.models import Brand, Customer, Order, Shipment, ShipmentItem
from porchlight.orders.payload import CustomerIn, OrderIn, ShipmentIn, normalize_postcode
from porchlight.platform.jobs import REACT_TO_REGISTRATION
from porchlight.tracking import derive

log = logging.getLogger(__name__)


def new_access_token() -> str:
    """192 random bits: the shopper's link cannot be guessed from an order number."""
    return secrets.token_urlsafe(24)


class TrackingNumberTaken(Exception):
    """The tracking number already ships in another order: one of the brand's own (named), or
    another brand's (`order_number` None), which is neither named nor shown. Scans are kept per
    tracking number, so a second brand holding it would read the first one's scan history."""

    def __init__(self, tracking_number: str, order_number: str | None) -> None:
        where = f"belongs to order {order_number}" if order_number else "is registered elsewhere"
        super().__init__(f"tracking number {tracking_number} {where}")
        self.tracking_number = tracking_number


async def upsert_order(brand: Brand, data: OrderIn) -> tuple[Order, bool, list[derive.Change]]:
    """Create or update the order; (order, created, what its parcels' scans already changed).
    A concurrent twin request loses and retries."""
    try:
        return await _upsert_order(brand, data)
    except IntegrityError:
        return await _upsert_order(brand, data)


async def _upsert_order(brand: Brand, data: OrderIn) -> tuple[Order, bool, list[derive.Change]]:
    async with in_transaction():
        customer = await _upsert_customer(brand, data.customer)
        fields: dict[str, Any] = {
            "customer": customer,
            "placed_at": data.placed_at,
            "promised_delivery_date": data.promised_delivery_date,
            "destination": data.destination.model_dump(),
            "postcode": normalize_postcode(data.destination.postcode),
            "value_amount": data.value.amount if data.value else None,
            "value_currency": data.value.currency if data.value else None,
            "flags": sorted(set(data.flags)),
            "expected_parcels": data.expected_parcels,
            "items": [item.model_dump() for item in data.items],
        }
        order = await Order.get_or_none(brand=brand, number=data.order_number)
        created = order is None
        if order is None:
            order = await Order.create(
                brand=brand,
                number=data.order_number,
                access_token=new_access_token(),
                **fields,
            )
        else:
            await order.update_from_dict(fields).save()
        changes = [await _upsert_shipment(brand, order, shipment) for shipment in data.shipments]
    return order, created, [c for c in changes if c is not None]


async def _upsert_customer(brand: Brand, data: CustomerIn) -> Customer:
    customer, created = await Customer.get_or_create(brand=brand, email=data.email)
    customer.name = data.name or customer.name
    customer.phone = data.phone or customer.phone
    customer.locale = data.locale or customer.locale
    customer.time_zone = data.time_zone or customer.time_zone
    # The retailer may turn a channel on or off, but never back on over the shopper's own
    # opt-out (unsubscribe link, mail client, our page). A STOP is kept apart and only START
    # from the phone undoes it.
    # No word on a channel (None) leaves a known customer's choice, made anywhere, as it is.
    if data.notifications is not None:
        email, sms = data.notifications.email, data.notifications.sms
        if customer.email_unsubscribed_at is None and (email is not None or created):
            customer.email_opt_in = bool(email)
        if customer.sms_unsubscribed_at is None and (sms is not None or created):
            customer.sms_opt_in = bool(sms)
        given = data.notifications.whatsapp
        if given is not None:
            record_whatsapp(customer, given.opt_in, f"{RETAILER}{given.source}")
    # Only the retailer's fields: saving the whole row would put back a STOP, an unsubscribe or
    # a phone code that arrived while this request ran.
    await customer.save(
        update_fields=[
            "name",
            "phone",
            "locale",
            "time_zone",
            "email_opt_in",
            "sms_opt_in",
            *CONSENT_FIELDS,
        ]
    )
    return customer


async def add_shipment(brand: Brand, order: Order, data: ShipmentIn) -> list[derive.Change]:
    async with in_transaction():
        change = await _upsert_shipment(brand, order, data)
    return [change] if change else []


async def react_to_registration(arq: ArqRedis, changes: list[derive.Change]) -> None:
    """Scans that came before the retailer registered the parcel moved it on registration: the
    worker reacts to that move (messages, cases) as if the scans had just arrived. Without Redis
    the parcel's state is still right; only those reactions are lost."""
    for change in changes:
        try:
            await arq.enqueue_job(
                REACT_TO_REGISTRATION,
                change.shipment.id,
                change.before,
                _job_id=f"registered:{change.shipment.id}:{change.after.last_event_at}",
            )
        except (RedisError, OSError) as exc:
            log.warning("no reaction to parcel %s's earlier scans: %s", change.shipment.id, exc)


async def _upsert_shipment(brand: Brand, order: Order, data: ShipmentIn) -> derive.Change | None:
    fields = data.model_dump(exclude={"items", "tracking_number"})
    if not fields["lane"]:
        fields["lane"] = _default_lane(order, data)
    shipment = await Shipment.get_or_none(
        brand=brand, tracking_number=data.tracking_number
    ).select_related("order")
    if shipment is not None and shipment.order.id != order.id:
        raise TrackingNumberTaken(data.tracking_number, shipment.order.number)
    if shipment is None and await Shipment.filter(tracking_number=data.tracking_number).exists():
        raise TrackingNumberTaken(data.tracking_number, None)
    if shipment is None:
        shipment = await Shipment.create(
            brand=brand, order=order, tracking_number=data.tracking_number, **fields
        )
    else:
        await shipment.update_from_dict(fields).save()
    await ShipmentItem.filter(shipment=shipment).delete()
    await ShipmentItem.bulk_create(
        [ShipmentItem(shipment=shipment, **item.model_dump()) for item in data.items]
    )
    # Events that arrived before the retailer registered the parcel attach here.
    [change] = await derive.rederive(shipment.tracking_number, [shipment])
    return change


def _default_lane(order: Order, data: ShipmentIn) -> str:
    """Lane = where it leaves from to where it goes, so lane KPIs work without retailer effort."""
    country = order.destination.get("country", "")
    region = order.postcode[:2]
    return f"{data.fulfilment_node or data.carrier}>{country}-{region}"
