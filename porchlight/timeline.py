"""An order's parcels with their distinct events: what the shopper, agent and API all see."""

from dataclasses import dataclass

from porchlight import derive
from porchlight.models import Order, Shipment, TrackingEvent
from porchlight.sql import Sql


@dataclass(frozen=True)
class Parcel:
    shipment: Shipment
    events: list[TrackingEvent]  # oldest first, one per scan even when two aggregators report it
    derived: derive.Derived
    position: int  # 1-based among the order's parcels of the same direction
    of: int


def _distinct(events: list[TrackingEvent]) -> list[TrackingEvent]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for event in sorted(events, key=derive.timeline_order):
        key = (event.occurred_at, event.status, event.message.strip().lower())
        if key not in seen:
            seen.add(key)
            kept.append(event)
    return kept


async def parcels(order: Order) -> list[Parcel]:
    """Four queries, whatever the number of parcels: shipments, items, events and dates."""
    shipments = await Shipment.filter(order=order).prefetch_related("items").order_by("id")
    numbers = [s.tracking_number for s in shipments]
    events = await derive.events_for(numbers)
    estimates = await derive.estimates_for(numbers)
    by_number: dict[str, list[TrackingEvent]] = {}
    for event in events:
        by_number.setdefault(event.tracking_number, []).append(event)
    result = []
    for shipment in shipments:
        same_direction = [s for s in shipments if s.direction == shipment.direction]
        own = _distinct(by_number.get(shipment.tracking_number, []))
        result.append(
            Parcel(
                shipment=shipment,
                events=own,
                derived=derive.derive(own, estimates.get(shipment.tracking_number)),
                position=same_direction.index(shipment) + 1,
                of=len(same_direction),
            )
        )
    return result


# Everything `parcels` reads, summed up: rows are only ever added, replaced (new ids) or saved
# (a new updated_at; a carrier's new date, a new received_at), so a count with the newest id or
# time changes with any of them.
_VERSION = """
SELECT
  (SELECT count(*) FROM shipment WHERE order_id = ?) AS shipments,
  (SELECT max(updated_at) FROM shipment WHERE order_id = ?) AS shipment_saved,
  (SELECT count(*) FROM shipment_item WHERE shipment_id IN (SELECT id FROM shipment WHERE order_id = ?)) AS items,
  (SELECT max(id) FROM shipment_item WHERE shipment_id IN (SELECT id FROM shipment WHERE order_id = ?)) AS last_item,
  (SELECT count(*) FROM tracking_event WHERE tracking_number IN (SELECT tracking_number FROM shipment WHERE order_id = ?)) AS events,
  (SELECT max(id) FROM tracking_event WHERE tracking_number IN (SELECT tracking_number FROM shipment WHERE order_id = ?)) AS last_event,
  (SELECT max(received_at) FROM delivery_estimate WHERE tracking_number IN (SELECT tracking_number FROM shipment WHERE order_id = ?)) AS estimate_set,
  (SELECT count(*) FROM delivery_request WHERE shipment_id IN (SELECT id FROM shipment WHERE order_id = ?)) AS requests,
  (SELECT max(id) FROM delivery_request WHERE shipment_id IN (SELECT id FROM shipment WHERE order_id = ?)) AS last_request
"""  # noqa: E501


async def version(order: Order) -> tuple[object, ...]:
    """Changes whenever what `parcels` and the order's delivery requests would return changes;
    one cheap query, so a view can tell whether what it rendered before still holds."""
    [row] = await Sql().rows(_VERSION, [order.id] * 9)
    return tuple(row.values())
