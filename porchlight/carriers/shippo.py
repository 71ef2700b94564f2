"""Shippo `track_updated` webhooks, authenticated by a shared token in the URL."""

import hmac
from datetime import date

from starlette.datastructures import Headers, QueryParams

from porchlight.carriers.base import (
    JsonObject,
    NormalizedEvent,
    carrier_slug,
    items,
    load_object,
    location,
    obj,
    optional_date,
    reported,
    text,
    timestamp,
    tracking_number,
)
from porchlight.enums import EventSource
from porchlight.enums import ShipmentStatus as S
from porchlight.platform.settings import Settings

STATUS: dict[str, S] = {
    "UNKNOWN": S.UNKNOWN,
    "PRE_TRANSIT": S.LABEL_CREATED,
    "TRANSIT": S.IN_TRANSIT,
    "DELIVERED": S.DELIVERED,
    "RETURNED": S.RETURNED,
    "FAILURE": S.EXCEPTION,
}

# substatus.code values that refine the status; the rest keep the status's meaning.
SUBSTATUS: dict[str, S] = {
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "pickup_available": S.AVAILABLE_FOR_PICKUP,
    "delivery_attempted": S.FAILED_ATTEMPT,
    "return_to_sender": S.RETURNING_TO_SENDER,
    "package_damaged": S.EXCEPTION,
    "package_lost": S.EXCEPTION,
    "address_issue": S.EXCEPTION,
}


def canonical(status: str, substatus: str) -> S:
    base = STATUS.get(status, S.UNKNOWN)
    if base in (S.DELIVERED, S.RETURNED, S.UNKNOWN):
        return base
    return SUBSTATUS.get(substatus, base)


class ShippoAdapter:
    source = EventSource.SHIPPO

    def verify(self, settings: Settings, headers: Headers, query: QueryParams, body: bytes) -> bool:
        token = settings.shippo_webhook_token
        plain = token.get_secret_value() if token else None
        return self.verify_with(plain, headers, query, body)

    def verify_with(
        self, secret: str | None, headers: Headers, query: QueryParams, body: bytes
    ) -> bool:
        """`secret` is the token the webhook URL carries."""
        sent = query.get("token", "")
        if not secret or not sent:
            return False
        return hmac.compare_digest(sent.encode(), secret.encode())

    def parse(self, body: bytes) -> list[NormalizedEvent]:
        envelope = load_object(body)
        if text(envelope.get("event"), "event") not in ("track_updated", ""):
            return []
        track = obj(envelope.get("data"), "data")
        number = tracking_number(track.get("tracking_number"), "data.tracking_number")
        carrier = carrier_slug(text(track.get("carrier"), "data.carrier"))
        estimate = optional_date(track.get("eta"), "data.eta")
        history = items(track.get("tracking_history"), "data.tracking_history")
        points = [(f"data.tracking_history[{i}]", h) for i, h in enumerate(history)]
        current = track.get("tracking_status")
        if current is not None:
            current = obj(current, "data.tracking_status")
            points.append(("data.tracking_status", current))
        events: dict[str, NormalizedEvent] = {}
        for where, point in points:
            event = self._event(number, carrier, estimate, point, where)
            events.setdefault(event.fingerprint, event)  # the current status repeats the history
        updated = current.get("object_updated") if current else None
        return reported(list(events.values()), updated)

    def _event(
        self, number: str, carrier: str, estimate: date | None, point: JsonObject, where: str
    ) -> NormalizedEvent:
        status = text(point.get("status"), f"{where}.status")
        sub = point.get("substatus")
        code = (
            text(obj(sub, f"{where}.substatus").get("code"), f"{where}.substatus.code")
            if sub
            else ""
        )
        place = point.get("location")
        place = obj(place, f"{where}.location") if place is not None else {}
        return NormalizedEvent(
            source=self.source,
            tracking_number=number,
            carrier=carrier,
            occurred_at=timestamp(point.get("status_date"), f"{where}.status_date"),
            status=canonical(status, code),
            carrier_status=status,
            carrier_substatus=code,
            message=text(point.get("status_details"), f"{where}.status_details"),
            location=location(
                city=place.get("city"),
                state=place.get("state"),
                postcode=place.get("zip"),
                country=place.get("country"),
            ),
            estimated_delivery=estimate,
            raw=point,
        )


adapter = ShippoAdapter()
