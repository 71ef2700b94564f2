"""A shipment's state is derived from all of its events, never from whichever arrived last."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from porchlight.enums import ShipmentStatus
from porchlight.models import DeliveryEstimate, Shipment, TrackingEvent
from porchlight.models.limits import fit
from porchlight.platform.clock import utcnow
from porchlight.platform.sql import rows_in

# Where a status sits in a parcel's life. Used only to break ties between events that carry
# the same carrier time, so "delivered" stamped at 14:02 beats "out for delivery" at 14:02.
PROGRESSION: dict[ShipmentStatus, int] = {
    ShipmentStatus.UNKNOWN: 0,
    ShipmentStatus.LABEL_CREATED: 1,
    ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.OUT_FOR_DELIVERY: 3,
    ShipmentStatus.AVAILABLE_FOR_PICKUP: 3,
    ShipmentStatus.FAILED_ATTEMPT: 4,
    ShipmentStatus.EXCEPTION: 4,
    ShipmentStatus.RETURNING_TO_SENDER: 5,
    ShipmentStatus.DELIVERED: 6,
    ShipmentStatus.RETURNED: 7,
    ShipmentStatus.CANCELLED: 7,
}

# Statuses that prove the carrier has the parcel in hand.
NOT_A_SCAN = {ShipmentStatus.UNKNOWN, ShipmentStatus.LABEL_CREATED, ShipmentStatus.CANCELLED}


@dataclass(frozen=True)
class Derived:
    status: ShipmentStatus
    carrier_status_detail: str
    estimated_delivery: date | None
    last_event_at: datetime | None
    first_scan_at: datetime | None
    delivered_at: datetime | None


# While a parcel is in one of these, a delivery date still lies ahead of the shopper. Once it is
# delivered, on its way back, cancelled, or stuck with a problem (damaged, lost), a carrier's
# old date would read as a promise nobody keeps.
STILL_COMING = {
    ShipmentStatus.UNKNOWN,
    ShipmentStatus.LABEL_CREATED,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.FAILED_ATTEMPT,
}


def date_ahead(derived: Derived) -> date | None:
    """The delivery date to show a shopper (page, messages, `/api/v1/track`), if any."""
    return derived.estimated_delivery if derived.status in STILL_COMING else None


def timeline_order(event: TrackingEvent) -> tuple[datetime, int, int]:
    """Carrier time first, then progression, then arrival: the sane tie-break for equal times."""
    return (event.occurred_at, PROGRESSION[ShipmentStatus(event.status)], event.id)


Dated = tuple[datetime, date]  # (as of when, the delivery date)


def _estimate(ordered: list[TrackingEvent], stored: Dated | None) -> date | None:
    """The more recent of the stored date and the newest scan's own: scans stored before the
    dates had their own table (or written by other paths) still count."""
    dated = [e for e in ordered if e.estimated_delivery is not None]
    from_scans = (dated[-1].occurred_at, dated[-1].estimated_delivery) if dated else None
    if stored and (not from_scans or stored[0] >= from_scans[0]):
        return stored[1]
    return from_scans[1] if from_scans else None


def derive(events: Iterable[TrackingEvent], stored: Dated | None = None) -> Derived:
    """`stored`: the carriers' latest date for the number (`estimates_for`)."""
    ordered = sorted(events, key=timeline_order)
    if not ordered:
        return Derived(ShipmentStatus.UNKNOWN, "", stored[1] if stored else None, None, None, None)
    # An "unknown" scan says nothing about where the parcel is: the last known status stands.
    known = [e for e in ordered if e.status != ShipmentStatus.UNKNOWN] or ordered
    current = known[-1]
    scans = [e.occurred_at for e in ordered if e.status not in NOT_A_SCAN]
    status = ShipmentStatus(current.status)
    return Derived(
        status=status,
        carrier_status_detail=fit(
            Shipment, "carrier_status_detail", current.carrier_substatus or current.message
        ),
        estimated_delivery=_estimate(ordered, stored),
        last_event_at=ordered[-1].occurred_at,
        first_scan_at=min(scans) if scans else None,
        delivered_at=current.occurred_at if status == ShipmentStatus.DELIVERED else None,
    )


# What the carrier's body said of a scan, kept for whoever investigates: neither deriving a
# status nor any timeline reads it, so scans are read without it (partial rows).
UNREAD = frozenset({"raw_payload"})


async def events_for(tracking_numbers: Sequence[str]) -> list[TrackingEvent]:
    return await rows_in(TrackingEvent, "tracking_number", tracking_numbers, without=UNREAD)


async def estimates_for(tracking_numbers: Sequence[str]) -> dict[str, Dated]:
    """Each number's most recent date, whichever aggregator sent it."""
    return latest(await rows_in(DeliveryEstimate, "tracking_number", tracking_numbers))


def latest(rows: list[DeliveryEstimate]) -> dict[str, Dated]:
    """Each number's most recent date among `rows`."""
    rows = sorted(rows, key=lambda r: (r.as_of, r.received_at))
    return {r.tracking_number: (r.as_of, r.estimated_delivery) for r in rows}


@dataclass(frozen=True)
class Change:
    """A shipment whose derived state moved: what reactions (notifications, cases) look at."""

    shipment: Shipment
    before: Derived
    after: Derived


def current(shipment: Shipment) -> Derived:
    """What the shipment has stored, as derived state."""
    return Derived(**{name: getattr(shipment, name) for name in Derived.__dataclass_fields__})


async def apply(
    shipment: Shipment, events: Iterable[TrackingEvent], stored: Dated | None
) -> Change | None:
    """Store the derived fields on the shipment; the change, or None when nothing moved."""
    before = current(shipment)
    after = derive(events, stored)
    changed = [n for n in Derived.__dataclass_fields__ if getattr(before, n) != getattr(after, n)]
    if not changed:
        return None
    for name in changed:
        setattr(shipment, name, getattr(after, name))
    await shipment.save(update_fields=[*changed, "updated_at"])
    return Change(shipment, before, after)


async def rederive(tracking_number: str, shipments: list[Shipment]) -> list[Change | None]:
    """The shipments carrying this number, derived again from all its scans and dates."""
    events = await events_for([tracking_number])
    stored = (await estimates_for([tracking_number])).get(tracking_number)
    return [await apply(s, events, stored) for s in shipments]


async def refresh_tracking_number(tracking_number: str) -> list[Change]:
    """Re-derive every shipment carrying this number (one per brand at most)."""
    shipments = await Shipment.filter(tracking_number=tracking_number)
    if not shipments:
        return []
    changes = await rederive(tracking_number, shipments)
    unchanged = [s.id for s, c in zip(shipments, changes, strict=True) if c is None]
    if unchanged:  # derived from these events all the same: reconcile must not think them lost
        await Shipment.filter(id__in=unchanged).update(updated_at=utcnow())
    return [c for c in changes if c is not None]
