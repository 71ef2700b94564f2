"""EasyPost Event webhooks (`tracker.created` / `tracker.updated`)."""

import hashlib
import hmac
import unicodedata
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
    signer,
    text,
    timestamp,
    tracking_number,
    with_signer,
)
from porchlight.enums import EventSource
from porchlight.enums import ShipmentStatus as S
from porchlight.platform.settings import Settings

# Tracker / TrackingDetail `status` → canonical status.
STATUS: dict[str, S] = {
    "unknown": S.UNKNOWN,
    "pre_transit": S.LABEL_CREATED,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "delivered": S.DELIVERED,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "return_to_sender": S.RETURNING_TO_SENDER,
    "failure": S.EXCEPTION,
    "cancelled": S.CANCELLED,
    "error": S.EXCEPTION,
}

# `status_detail` values that say more than the status does.
DETAIL: dict[str, S] = {
    "delivery_attempted": S.FAILED_ATTEMPT,
    "attempted_delivery": S.FAILED_ATTEMPT,
    "return": S.RETURNING_TO_SENDER,
    "returned": S.RETURNED,
    "return_to_sender": S.RETURNING_TO_SENDER,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
}

PREFIX = "hmac-sha256-hex="


def canonical(status: str, detail: str) -> S:
    return DETAIL.get(detail) or STATUS.get(status, S.UNKNOWN)


class EasyPostAdapter:
    source = EventSource.EASYPOST

    def verify(self, settings: Settings, headers: Headers, query: QueryParams, body: bytes) -> bool:
        secret = settings.easypost_webhook_secret
        plain = secret.get_secret_value() if secret else None
        return self.verify_with(plain, headers, query, body)

    def verify_with(
        self, secret: str | None, headers: Headers, query: QueryParams, body: bytes
    ) -> bool:
        signature = headers.get("x-hmac-signature", "")
        if not secret or not signature.startswith(PREFIX):
            return False
        key = unicodedata.normalize("NFKD", secret).encode()
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        sent = signature.removeprefix(PREFIX).lower().encode()
        return hmac.compare_digest(expected.encode(), sent)  # bytes: any header is comparable

    def parse(self, body: bytes) -> list[NormalizedEvent]:
        event = load_object(body)
        description = text(event.get("description"), "description")
        if not description.startswith("tracker."):
            return []  # other EasyPost events (batches, refunds) carry no tracking
        tracker = obj(event.get("result"), "result")
        number = tracking_number(tracker.get("tracking_code"), "result.tracking_code")
        carrier = carrier_slug(text(tracker.get("carrier"), "result.carrier"))
        estimate = optional_date(tracker.get("est_delivery_date"), "result.est_delivery_date")
        details = items(tracker.get("tracking_details"), "result.tracking_details")
        if not details:
            when = tracker.get("updated_at") or tracker.get("created_at")
            events = [self._event(number, carrier, estimate, tracker, "result", when)]
        else:
            events = [
                self._event(
                    number, carrier, estimate, d, f"result.tracking_details[{i}]", d.get("datetime")
                )
                for i, d in enumerate(details)
            ]
        signed = signer(tracker.get("signed_by"), "result.signed_by")
        return reported(with_signer(events, signed), tracker.get("updated_at"))

    def _event(
        self,
        number: str,
        carrier: str,
        estimate: date | None,
        detail: JsonObject,
        where: str,
        when: object,
    ) -> NormalizedEvent:
        status = text(detail.get("status"), f"{where}.status")
        sub = text(detail.get("status_detail"), f"{where}.status_detail")
        place = detail.get("tracking_location")
        place = obj(place, f"{where}.tracking_location") if place is not None else {}
        return NormalizedEvent(
            source=self.source,
            tracking_number=number,
            carrier=carrier,
            occurred_at=timestamp(when, f"{where}.datetime"),
            status=canonical(status, sub),
            carrier_status=status,
            carrier_substatus=sub,
            message=text(detail.get("message"), f"{where}.message"),
            location=location(
                city=place.get("city"),
                state=place.get("state"),
                postcode=place.get("zip"),
                country=place.get("country"),
            ),
            estimated_delivery=estimate,
            raw=detail,
        )


adapter = EasyPostAdapter()
