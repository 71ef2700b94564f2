"""An order's parcels with their distinct events: what the shopper, agent and API all see."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from porchlight.enums import Direction
from porchlight.models import Customer, Order, Shipment, TrackingEvent
from porchlight.platform.sql import Sql
from porchlight.tracking import derive


@dataclass(frozen=True)
class Parcel:
    shipment: Shipment
    events: list[TrackingEvent]  # oldest first, one per scan even when two aggregators report it
    derived: derive.Derived
    position: int  # 1-based among the order's parcels of the same direction
    of: int  # outbound: the retailer's announced count when higher (`parcel_total`)


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
    """Four queries, whatever the number of parcels: shipments, items, events and dates."""
    return (await parcels_of([order]))[order.id]


async def parcels_of(orders: Sequence[Order]) -> dict[int, list[Parcel]]:
    """`parcels` of many orders in the same four queries (the notifier's batches)."""
    shipments = (
        await Shipment.filter(order_id__in=[o.id for o in orders])
        .prefetch_related("items")
        .order_by("id")
    )
    numbers = [s.tracking_number for s in shipments]
    events = await derive.events_for(numbers)
    estimates = await derive.estimates_for(numbers)
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


# Everything `parcels` and the order's delivery requests read, summed up. Items, events and
# requests are only ever added or replaced (new ids), so a count with the newest id changes with
# any of them. Shipments and dates are saved in place, each with a new time: every row's time is
# listed, since a save that commits late can carry a time older than another row's newest.
_CONTENT = """
  (SELECT {shipments} FROM shipment WHERE order_id = o.id) AS v_shipments,
  (SELECT count(*) || '/' || coalesce(max(id), 0) FROM shipment_item WHERE shipment_id IN (SELECT id FROM shipment WHERE order_id = o.id)) AS v_items,
  (SELECT count(*) || '/' || coalesce(max(id), 0) FROM tracking_event WHERE tracking_number IN (SELECT tracking_number FROM shipment WHERE order_id = o.id)) AS v_events,
  (SELECT {estimates} FROM delivery_estimate WHERE tracking_number IN (SELECT tracking_number FROM shipment WHERE order_id = o.id)) AS v_estimates,
  (SELECT count(*) || '/' || coalesce(max(id), 0) FROM delivery_request WHERE shipment_id IN (SELECT id FROM shipment WHERE order_id = o.id)) AS v_requests
"""  # noqa: E501


@dataclass(frozen=True)
class Viewed:
    """An order behind a shopper's link, with its customer, as one query found it."""

    order: Order
    shipment_ids: frozenset[int]
    # Every column of the order and its customer, and the version of all its parcels show:
    # two views with the same fingerprint show the same.
    fingerprint: tuple[str, ...]


@cache
def _by_token_sql(sqlite: bool) -> str:
    """Built once per dialect (`sqlite`, as `Sql` tells it)."""
    sql = Sql()
    order = Order._meta.fields_db_projection.values()
    customer = Customer._meta.fields_db_projection.values()
    columns = [f'o."{c}"' for c in order] + [f'c."{c}" AS "customer.{c}"' for c in customer]
    content = _CONTENT.format(
        shipments=sql.joined("id || ':' || CAST(updated_at AS TEXT)", "id"),
        estimates=sql.joined("id || ':' || CAST(received_at AS TEXT)", "id"),
    )
    return (
        f"SELECT {', '.join(columns)},{content}"
        'FROM "order" o JOIN customer c ON c.id = o.customer_id WHERE o.access_token = ?'
    )


async def by_token(brand_id: int, token: str) -> Viewed | None:
    """One round trip for what every view of a tracking page needs first: the order, its
    customer and whether anything it shows changed. Built from the row as the ORM would,
    minus the ORM's query building, which cost more than the query itself."""
    sql = Sql()
    rows = await sql.rows(_by_token_sql(sql.sqlite), [token])
    if not rows or rows[0]["brand_id"] != brand_id:
        return None
    [row] = rows
    order_columns: dict[str, Any] = {}
    customer_columns: dict[str, Any] = {}
    for column, value in row.items():
        if column.startswith("customer."):
            customer_columns[column.removeprefix("customer.")] = value
        elif not column.startswith("v_"):
            order_columns[column] = value
    order = Order._init_from_db(**order_columns)
    object.__setattr__(order, "_customer", Customer._init_from_db(**customer_columns))
    shipments = row["v_shipments"] or ""
    ids = frozenset(int(stamp.split(":", 1)[0]) for stamp in shipments.split(",") if stamp)
    return Viewed(order, ids, tuple(map(str, row.values())))
