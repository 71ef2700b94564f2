"""Jobs that turn stored carrier events into derived shipment state."""

import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Max

from notifier.reactions import react
from porchlight.models import DeliveryEstimate, Shipment, TrackingEvent
from porchlight.platform.clock import utcnow
from porchlight.tracking import derive

log = logging.getLogger(__name__)

RECONCILE_WINDOW = timedelta(minutes=30)


async def refresh_tracking(ctx: dict[str, Any], tracking_number: str) -> int:
    """Re-derive the shipments of one tracking number; the count changed is the job's result."""
    changes = await derive.refresh_tracking_number(tracking_number)
    await react(ctx, changes)
    return len(changes)


async def react_to_registration(
    ctx: dict[str, Any], shipment_id: int, before: derive.Derived
) -> int:
    """The parcel's earlier scans moved it when the retailer registered it: react to that move."""
    shipment = await Shipment.get_or_none(id=shipment_id)
    if shipment is None:
        return 0
    await react(ctx, [derive.Change(shipment, before, derive.current(shipment))])
    return 1


async def reconcile(ctx: dict[str, Any]) -> int:
    """Catch events whose follow-up job never ran (Redis was down, a worker died mid-job).

    Looks only at a recent window of arrivals (indexed on received_at), so the cost follows
    the traffic, not the size of the table.
    """
    since = utcnow() - RECONCILE_WINDOW
    scanned = (
        await TrackingEvent.filter(received_at__gte=since)
        .group_by("tracking_number")
        .annotate(last=Max("received_at"))
        .values_list("tracking_number", "last")
    )
    dated = await DeliveryEstimate.filter(received_at__gte=since).values_list(
        "tracking_number", "received_at"
    )
    latest: dict[str, datetime] = {}
    for number, last in [*scanned, *dated]:
        latest[number] = max(last, latest.get(number, last))
    stale = 0
    for number, last in latest.items():
        if await Shipment.filter(tracking_number=number, updated_at__lt=last).exists():
            changes = await derive.refresh_tracking_number(number)
            await react(ctx, changes)
            stale += len(changes)
    if stale:
        log.info("reconcile re-derived %d shipments", stale)
    return stale
