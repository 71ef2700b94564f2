"""An order's parcels with their distinct events: what the shopper, agent and API all see."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from porchlight.enums import Direction, ShipmentStatus
from porchlight.models import (
    Customer,
    DeliveryEstimate,
    Order,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from porchlight.platform.sql import Sql, rows_where
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
    events = await rows_where(TrackingEvent, numbers, ids)
    estimates = derive.latest(await rows_where(DeliveryEstimate, numbers, ids))
    for shipment in shipments:
        shipment.items._set_result_for_query(  # as prefetch_related("items") leaves them
            [item for item in items if item.shipment_id == shipment.id]  # type: ignore[attr-defined]
        )
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


@dataclass(frozen=True)
class Viewed:
    """An order behind a shopper's link, with its customer, as one query found it."""

    order: Order
    # Every column of the order and its customer, the order's `version` among them (raised by
    # the database on any write to what its page shows): two views with the same fingerprint
    # show the same.
    fingerprint: tuple[str, ...]


@cache
def _by_token_sql() -> str:
    order = Order._meta.fields_db_projection.values()
    customer = Customer._meta.fields_db_projection.values()
    columns = [f'o."{c}"' for c in order] + [f'c."{c}" AS "customer.{c}"' for c in customer]
    joined = 'FROM "order" o JOIN customer c ON c.id = o.customer_id WHERE o.access_token = ?'
    return f"SELECT {', '.join(columns)} {joined}"


async def by_token(brand_id: int, token: str) -> Viewed | None:
    """One indexed SELECT for what every view of a tracking page needs first: the order, its
    customer and (their version) whether anything it shows changed. Built from the row as the
    ORM would, minus the ORM's query building, which cost more than the query itself."""
    rows = await Sql().rows(_by_token_sql(), [token])
    if not rows or rows[0]["brand_id"] != brand_id:
        return None
    [row] = rows
    order_columns: dict[str, Any] = {}
    customer_columns: dict[str, Any] = {}
    for column, value in row.items():
        if column.startswith("customer."):
            customer_columns[column.removeprefix("customer.")] = value
        else:
            order_columns[column] = value
    order = Order._init_from_db(**order_columns)
    object.__setattr__(order, "_customer", Customer._init_from_db(**customer_columns))
    return Viewed(order, tuple(map(str, row.values())))
