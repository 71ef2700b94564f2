"""Which delivery exceptions a carrier event implies, and the time thresholds the sweep uses.

Carrier signals open cases at once; silence (no first scan, no movement, a slipping estimate)
is found by porchlight.cases.sweep. Thresholds are the brand setting `exception_thresholds`."""

import re
from datetime import timedelta

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Direction, ExceptionType
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand
from porchlight.tracking.derive import Change

DAMAGE = re.compile(r"damag|broken|crushed|destroyed|leak|beschädigt|endommag|dañad", re.I)


def from_carrier(change: Change) -> list[ExceptionType]:
    """Types a change in derived state signals. Only a newer latest event or a new status
    counts, so a replayed or late old event, which derives nothing new, never signals twice."""
    if change.shipment.direction != Direction.OUTBOUND:
        return []
    before, after = change.before, change.after
    if after.status == before.status and after.last_event_at == before.last_event_at:
        return []
    if DAMAGE.search(after.carrier_status_detail or ""):
        return [ExceptionType.DAMAGE_REPORTED]
    if after.status == S.FAILED_ATTEMPT:
        return [ExceptionType.FAILED_ATTEMPT]
    if after.status == S.RETURNING_TO_SENDER and before.status != S.RETURNING_TO_SENDER:
        return [ExceptionType.RETURN_TO_SENDER]
    if after.status == S.EXCEPTION and before.status != S.EXCEPTION:
        # A carrier exception without damage: the parcel is stuck until someone chases it.
        return [ExceptionType.STALLED_IN_TRANSIT]
    return []


def no_first_scan_after(brand: Brand) -> timedelta:
    return timedelta(hours=settings_of(brand).exception_thresholds.no_first_scan_hours)


def stalled_after(brand: Brand) -> dict[str, timedelta]:
    """Per carrier ("" is every other carrier)."""
    chosen = settings_of(brand).exception_thresholds
    by_carrier = {
        code: timedelta(days=days) for code, days in chosen.stalled_days_by_carrier.items()
    }
    return {"": timedelta(days=chosen.stalled_days)} | by_carrier
