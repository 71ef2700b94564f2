"""An order's parcels with their distinct events: what the shopper, agent and API all see."""

from dataclasses import dataclass

from porchlight import derive
from porchlight.models import Order, Shipment, TrackingEvent


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
    """Two queries, whatever the number of parcels: the shipments, then all their events."""
    shipments = await Shipment.filter(order=order).prefetch_related("items").order_by("id")
    events = await derive.events_for([s.tracking_number for s in shipments])
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
                derived=derive.derive(own),
                position=same_direction.index(shipment) + 1,
                of=len(same_direction),
            )
        )
    return result
