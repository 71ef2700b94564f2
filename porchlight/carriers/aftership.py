"""AfterShip tracking webhooks: `{"event", "event_id", "msg": <tracking>, "ts"}`."""

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime

from starlette.datastructures import Headers, QueryParams

from porchlight.carriers.base import (
    JsonObject,
    MalformedPayload,
    NormalizedEvent,
    carrier_slug,
    items,
    load_object,
    location,
    obj,
    optional_date,
    reported,
    signer,
    text,
    timestamp,
    tracking_number,
    with_signer,
)
from porchlight.enums import EventSource
from porchlight.enums import ShipmentStatus as S
from porchlight.platform.settings import Settings

# Tags, the fallback for any subtag not listed below (AfterShip adds subtags over time).
TAG: dict[str, S] = {
    "Pending": S.LABEL_CREATED,  # created in AfterShip, carrier has nothing yet
    "InfoReceived": S.LABEL_CREATED,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.FAILED_ATTEMPT,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.UNKNOWN,  # AfterShip stopped tracking: says nothing about the parcel
}

# Subtags whose meaning differs from their tag's.
SUBTAG: dict[str, S] = {
    "Exception_010": S.RETURNING_TO_SENDER,
    "Exception_011": S.RETURNED,
    "Exception_020": S.CANCELLED,  # shipment cancelled (2026-03)
    "InTransit_010": S.RETURNING_TO_SENDER,  # in transit back to sender
}


def canonical(tag: str, subtag: str) -> S:
    return SUBTAG.get(subtag) or TAG.get(tag, S.UNKNOWN)


def _estimate(tracking: JsonObject) -> date | None:
    for key in ("latest_estimated_delivery", "courier_estimated_delivery_date"):
        value = tracking.get(key)
        if isinstance(value, dict):
            found = value.get("datetime") or value.get("estimated_delivery_date")
            if found:
                return optional_date(found, f"msg.{key}")
    return optional_date(tracking.get("expected_delivery"), "msg.expected_delivery")


class AfterShipAdapter:
    source = EventSource.AFTERSHIP

    def verify(self, settings: Settings, headers: Headers, query: QueryParams, body: bytes) -> bool:
        secret = settings.aftership_webhook_secret
        plain = secret.get_secret_value() if secret else None
        return self.verify_with(plain, headers, query, body)

    def verify_with(
        self, secret: str | None, headers: Headers, query: QueryParams, body: bytes
    ) -> bool:
        signature = headers.get("aftership-hmac-sha256", "")
        if not secret or not signature:
            return False
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        # Bytes, not str: compare_digest refuses non-ASCII str (a forged header carries any).
        return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())

    def parse(self, body: bytes) -> list[NormalizedEvent]:
        envelope = load_object(body)
        tracking = obj(envelope.get("msg"), "msg")
        number = tracking_number(tracking.get("tracking_number"), "msg.tracking_number")
        carrier = carrier_slug(text(tracking.get("slug"), "msg.slug"))
        estimate = _estimate(tracking)
        checkpoints = items(tracking.get("checkpoints"), "msg.checkpoints")
        if not checkpoints:
            when = tracking.get("updated_at") or tracking.get("created_at") or _from_ts(envelope)
            events = [self._event(number, carrier, estimate, tracking, "msg", when)]
        else:
            events = [
                self._event(
                    number, carrier, estimate, c, f"msg.checkpoints[{i}]", c.get("checkpoint_time")
                )
                for i, c in enumerate(checkpoints)
            ]
        signed = signer(tracking.get("signed_by"), "msg.signed_by")
        return reported(with_signer(events, signed), tracking.get("updated_at"))

    def _event(
        self,
        number: str,
        carrier: str,
        estimate: date | None,
        point: JsonObject,
        where: str,
        when: object,
    ) -> NormalizedEvent:
        tag = text(point.get("tag"), f"{where}.tag")
        subtag = text(point.get("subtag"), f"{where}.subtag")
        return NormalizedEvent(
            source=self.source,
            tracking_number=number,
            carrier=carrier,
            occurred_at=timestamp(when, f"{where}.checkpoint_time"),
            status=canonical(tag, subtag),
            carrier_status=tag,
            carrier_substatus=subtag,
            message=text(point.get("message"), f"{where}.message")
            or text(point.get("subtag_message"), f"{where}.subtag_message"),
            location=location(
                city=point.get("city") or point.get("location"),
                state=point.get("state"),
                postcode=point.get("postal_code") or point.get("zip"),
                country=point.get("country_iso3") or point.get("country_region"),
            ),
            estimated_delivery=estimate,
            raw=point,
        )


def _from_ts(envelope: JsonObject) -> str:
    ts = envelope.get("ts")
    if not isinstance(ts, int) or isinstance(ts, bool) or not 0 < ts < 10**11:
        raise MalformedPayload("msg has no checkpoints and no usable time")
    return datetime.fromtimestamp(ts, UTC).isoformat()


adapter = AfterShipAdapter()
