"""An order's parcels with their distinct events: what the shopper, agent and API all see."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from porchlight.enums import Direction, ShipmentStatus
from porchlight.models import (
    Brand,
    Customer,
    DeliveryEstimate,
    Order,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from porchlight.platform.sql import first_row, rows_where
from porchlight.tracking import derive


@dataclass(frozen=True)
class Parcel:
    shipment: Shipment
    events: list[TrackingEvent]  # oldest first, one per scan even when two aggregators report it
    derived: derive.Derived
    position: int  # 1-based among the order's parcels of the same direction
    of: int  # outbound: the retailer's announced count when higher (`parcel_total`)

    @property
    def signed_by(self) -> str:
        """Who signed for the delivery, as the newest delivery scan naming someone says; ""
        unless the parcel is delivered now."""
        if self.derived.status != ShipmentStatus.DELIVERED:
            return ""
        signed = (e.signed_by for e in reversed(self.events) if e.status == self.derived.status)
        return next((name for name in signed if name), "")


def _distinct(events: list[TrackingEvent]) -> list[TrackingEvent]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for event in sorted(events, key=derive.timeline_order):
        key = (event.occurred_at, event.status, event.message.strip().lower())
        if key not in seen:
            seen.add(key)
            kept.append(event)
    return kept


def parcel_total(order: Order, registered: int) -> int:
    """The M of "N of M parcels": the retailer's `expected_parcels` when it is higher."""
    return max(registered, order.expected_parcels or 0)


async def parcels(order: Order) -> list[Parcel]:
    """Four plain SELECTs, whatever the number of parcels: shipments, items, events, dates."""
    return (await parcels_of([order]))[order.id]


async def parcels_of(orders: Sequence[Order]) -> dict[int, list[Parcel]]:
    """`parcels` of many orders (the notifier's batches) in the same four SELECTs by the orders'
    ids; rows built as the ORM builds them, without its query building (which cost more than
    the queries on a first view of a page)."""
    ids = [o.id for o in orders]
    if not ids:  # (`IN ()` is SQLite's, not PostgreSQL's)
        return {}
    of_orders = f"order_id IN ({', '.join('?' for _ in ids)})"  # the values go as parameters
    numbers = f"tracking_number IN (SELECT tracking_number FROM shipment WHERE {of_orders})"  # noqa: S608
    shipments = await rows_where(Shipment, of_orders, ids, order="id")
    items = await rows_where(
        ShipmentItem,
        f"shipment_id IN (SELECT id FROM shipment WHERE {of_orders})",  # noqa: S608
        ids,
        order="id",
    )
    events = await rows_where(TrackingEvent, numbers, ids, without=derive.UNREAD)
    estimates = derive.latest(await rows_where(DeliveryEstimate, numbers, ids))
    items_of: dict[int, list[ShipmentItem]] = {}
    for item in items:
        items_of.setdefault(item.shipment_id, []).append(item)  # type: ignore[attr-defined]
    for shipment in shipments:  # as prefetch_related("items") leaves them
        shipment.items._set_result_for_query(items_of.get(shipment.id, []))
    by_number: dict[str, list[TrackingEvent]] = {}
    for event in events:
        by_number.setdefault(event.tracking_number, []).append(event)
    by_order: dict[int, list[Shipment]] = {}
    for shipment in shipments:
        by_order.setdefault(shipment.order_id, []).append(shipment)  # type: ignore[attr-defined]
    result: dict[int, list[Parcel]] = {}
    for order in orders:
        own = by_order.get(order.id, [])
        result[order.id] = [_parcel(order, s, own, by_number, estimates) for s in own]
    return result


def _parcel(
    order: Order,
    shipment: Shipment,
    shipments: list[Shipment],
    by_number: dict[str, list[TrackingEvent]],
    estimates: dict[str, derive.Dated],
) -> Parcel:
    same_direction = [s for s in shipments if s.direction == shipment.direction]
    own = _distinct(by_number.get(shipment.tracking_number, []))
    return Parcel(
        shipment=shipment,
        events=own,
        derived=derive.derive(own, estimates.get(shipment.tracking_number)),
        position=same_direction.index(shipment) + 1,
        of=parcel_total(order, len(same_direction))
        if shipment.direction == Direction.OUTBOUND
        else len(same_direction),
    )


class Viewed:
    """An order behind a shopper's link, with its customer and its brand, as one query found
    them. The order and customer are built only when a page is rendered: a repeat view (a
    kept page, a 304) needs no more than the row's `fingerprint` and the brand."""

    def __init__(self, columns: tuple[Any, ...], brand: Brand, brand_mark: str) -> None:
        self._columns = columns
        self.brand = brand
        # A digest of every column of the brand's row: what is kept under it is redone when
        # any of them changes.
        self.brand_mark = brand_mark
        # The order's id and `version`, raised by the database on any write to what its page
        # shows, the order's and its customer's rows among them (migration 0022): two views
        # with the same fingerprint show the same.
        self.fingerprint = (columns[_ORDER_ID], columns[_ORDER_VERSION])
        self.access_token: str = columns[_ORDER_TOKEN]
        self.customer_locale: str | None = columns[len(_ORDER) + _CUSTOMER_LOCALE]
        self._order: Order | None = None

    @property
    def order(self) -> Order:
        if self._order is None:
            order_columns = dict(zip(_ORDER, self._columns, strict=False))
            customer_values = self._columns[len(_ORDER) : len(_ORDER) + len(_CUSTOMER)]
            order = Order._init_from_db(**order_columns)
            customer = Customer._init_from_db(**dict(zip(_CUSTOMER, customer_values, strict=True)))
            object.__setattr__(order, "_customer", customer)
            self._order = order
        return self._order


_ORDER = tuple(Order._meta.fields_db_projection.values())
_CUSTOMER = tuple(Customer._meta.fields_db_projection.values())
_BRAND = tuple(Brand._meta.fields_db_projection.values())
_ORDER_ID, _ORDER_VERSION = _ORDER.index("id"), _ORDER.index("version")
_ORDER_TOKEN, _CUSTOMER_LOCALE = _ORDER.index("access_token"), _CUSTOMER.index("locale")
# The brand's row as last read, its Brand and its digest, by id: a view builds a Brand only when
# the row it read differs from the last one this process built.
_brands: dict[int, tuple[tuple[Any, ...], Brand, str]] = {}


@cache
def _by_token_sql() -> str:
    columns = [
        *(f'o."{c}"' for c in _ORDER),
        *(f'c."{c}" AS "customer.{c}"' for c in _CUSTOMER),  # a name of its own each
        *(f'b."{c}" AS "brand.{c}"' for c in _BRAND),
    ]
    # The host's brand as a scalar subquery: joined, PostgreSQL may plan the order's lookup by
    # brand (scanning the brand's orders) instead of by the token's unique index.
    joined = (
        'FROM "order" o JOIN customer c ON c.id = o.customer_id JOIN brand b ON b.id = o.brand_id'
        " WHERE o.access_token = ?"
        " AND o.brand_id = (SELECT brand_id FROM brand_host WHERE host = ?)"
    )
    return f"SELECT {', '.join(columns)} {joined}"


def _brand(values: tuple[Any, ...]) -> tuple[Brand, str]:
    brand_id = values[_BRAND.index("id")]
    known = _brands.get(brand_id)
    if known is None or known[0] != values:
        brand = Brand._init_from_db(**dict(zip(_BRAND, values, strict=True)))
        mark = hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()
        known = _brands[brand_id] = (values, brand, mark)
    return known[1], known[2]


async def by_token(host: str, token: str) -> Viewed | None:
    """One indexed SELECT for what every view of a tracking page needs first: the order and its
    customer, whether anything it shows changed (their version), the brand's row as it is now
    and whether `host` (normalised) serves that brand. So a brand edit, a host added or removed,
    shows on the very next view, with no other round trip (a Redis GET cost as much as this)."""
    row = await first_row(_by_token_sql(), [token, host])
    if row is None:
        return None
    brand, mark = _brand(row[len(_ORDER) + len(_CUSTOMER) :])
    return Viewed(row, brand, mark)
