"""What every aggregator adapter hands to intake, whatever the vendor's shape."""

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, Protocol

from starlette.datastructures import Headers, QueryParams

from porchlight.enums import EventSource, ShipmentStatus
from porchlight.platform import json_input
from porchlight.platform.settings import Settings


class MalformedPayload(ValueError):
    """The body is authentic but not a shape we can read: the sender gets a 400 saying why."""


@dataclass(frozen=True)
class NormalizedEvent:
    source: EventSource
    tracking_number: str
    carrier: str
    occurred_at: datetime  # timezone-aware
    status: ShipmentStatus
    carrier_status: str = ""
    carrier_substatus: str = ""
    message: str = ""
    location: dict[str, str] = field(default_factory=dict)
    estimated_delivery: date | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # When the aggregator last updated its tracker: orders two bodies with the same scans, so a
    # retried older body cannot bring back the delivery date a newer one replaced.
    reported_at: datetime | None = None
    # Who signed for a delivered parcel, as the aggregator names them (proof of delivery). Not
    # part of the scan's identity: a resent body that adds the name fills it in (intake).
    signed_by: str = ""

    @cached_property
    def fingerprint(self) -> str:
        """Identity of the scan itself, so a replayed or retried webhook hashes the same."""
        parts = [
            self.occurred_at.isoformat(),
            self.carrier_status,
            self.carrier_substatus,
            self.message,
            json.dumps(self.location, sort_keys=True),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class CarrierAdapter(Protocol):
    source: EventSource

    def verify(self, settings: Settings, headers: Headers, query: QueryParams, body: bytes) -> bool:
        """True only for a request the aggregator really sent (constant-time comparison)."""
        ...

    def verify_with(
        self, secret: str | None, headers: Headers, query: QueryParams, body: bytes
    ) -> bool:
        """The same check with a given secret (a brand's own account's)."""
        ...

    def parse(self, body: bytes) -> list[NormalizedEvent]:
        """Every scan in the body, or MalformedPayload. Never any other exception."""
        ...


def normalize_tracking_number(value: str) -> str:
    return "".join(value.split()).upper()


TRACKING_NUMBER_MAX = 64  # as wide as the column; no carrier's is anywhere near


def tracking_number(value: Any, where: str) -> str:
    """A body's tracking number, normalised; one too long to be real makes the body malformed."""
    number = normalize_tracking_number(text(value, where, required=True))
    if len(number) > TRACKING_NUMBER_MAX:
        raise MalformedPayload(f"{where} is longer than {TRACKING_NUMBER_MAX} characters")
    return number


# Reading vendor JSON defensively: every helper raises MalformedPayload naming the field.

JsonObject = dict[str, Any]


def load_object(body: bytes) -> JsonObject:
    try:
        data = json_input.loads(body)
    except json_input.BadJson as exc:
        raise MalformedPayload(str(exc)) from None
    if not isinstance(data, dict):
        raise MalformedPayload("body must be a JSON object")
    return data


def obj(value: Any, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where} must be an object")
    return value


def items(value: Any, where: str) -> list[JsonObject]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"{where} must be a list")
    return [obj(item, f"{where}[{i}]") for i, item in enumerate(value)]


def text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise MalformedPayload(f"{where} is required")
        return ""
    if not isinstance(value, str):
        raise MalformedPayload(f"{where} must be a string")
    return value.strip()


def timestamp(value: Any, where: str) -> datetime:
    """An ISO 8601 time; one without an offset is taken as UTC (what aggregators mean by it)."""
    raw = text(value, where, required=True)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise MalformedPayload(f"{where} is not a date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def reported(events: list[NormalizedEvent], value: Any) -> list[NormalizedEvent]:
    """The body's events stamped with the tracker's update time, when it has a readable one
    (only an ordering hint: a body without one is not refused)."""
    try:
        when = timestamp(value, "")
    except MalformedPayload:
        return events
    return [replace(event, reported_at=when) for event in events]


# What carriers put where a signer's name goes when nobody signed (FedEx through AfterShip:
# "Signature not required"): no name, so nothing to show.
NOT_A_SIGNER = ("signature not required", "not required", "no signature required")


def signer(value: Any, where: str) -> str:
    """A delivered parcel's signer as the body names them, or "" when it names nobody."""
    name = text(value, where)
    return "" if name.lower().rstrip(".") in NOT_A_SIGNER else name


def with_signer(events: list[NormalizedEvent], name: str) -> list[NormalizedEvent]:
    """The tracker's signer on its delivery scans: aggregators name one per tracker, not per
    scan, and only a delivery is signed for."""
    if not name:
        return events
    return [
        replace(event, signed_by=name) if event.status == ShipmentStatus.DELIVERED else event
        for event in events
    ]


def optional_date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    raw = text(value, where)
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise MalformedPayload(f"{where} is not a date") from None


def location(**parts: Any) -> dict[str, str]:
    """Only the parts the carrier actually filled in, as strings."""
    return {
        k: str(v).strip() for k, v in parts.items() if isinstance(v, str | int) and str(v).strip()
    }


def carrier_slug(value: Any) -> str:
    return "".join(ch for ch in str(value or "").lower() if ch.isalnum() or ch in "-_")[:64]
