"""Which delivery exceptions a carrier event implies, and the time thresholds the sweep uses.

Carrier signals open cases at once; silence (no first scan, no movement, a slipping estimate)
is found by porchlight.cases.sweep. Thresholds are brand settings:
{"exception_thresholds": {"no_first_scan_hours": 24, "stalled_days": 3,
                          "stalled_days_by_carrier": {"dhl": 2}}}."""

import re
from datetime import timedelta
from typing import Any

from porchlight.enums import Direction, ExceptionType
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand
from porchlight.tracking.derive import Change

NO_FIRST_SCAN_HOURS = 24
STALLED_DAYS = 3
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


def _thresholds(brand: Brand) -> dict[str, Any]:
    value = brand.settings.get("exception_thresholds", {})
    return value if isinstance(value, dict) else {}


def no_first_scan_after(brand: Brand) -> timedelta:
    return timedelta(
        hours=float(_thresholds(brand).get("no_first_scan_hours", NO_FIRST_SCAN_HOURS))
    )


def stalled_after(brand: Brand) -> dict[str, timedelta]:
    """Per carrier ("" is every other carrier)."""
    settings = _thresholds(brand)
    default = float(settings.get("stalled_days", STALLED_DAYS))
    by_carrier = settings.get("stalled_days_by_carrier", {})
    result = {"": timedelta(days=default)}
    if isinstance(by_carrier, dict):
        result |= {str(k).lower(): timedelta(days=float(v)) for k, v in by_carrier.items()}
    return result
