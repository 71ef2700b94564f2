"""What the API answers, as models: responses are built through them, so the OpenAPI document
and the real payloads cannot drift apart."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from porchlight.edd.shown import Source, estimates
from porchlight.enums import Direction, EventSource, Scope, ShipmentStatus
from porchlight.models import Order, Refund
from porchlight.tracking.timeline import Parcel


class EventOut(BaseModel):
    time: datetime
    status: ShipmentStatus
    carrier_status: str
    carrier_substatus: str
    message: str
    location: dict[str, str]
    source: EventSource


class EstimateOut(BaseModel):
    """A delivery date and who gave it: the carrier, or our prediction from the brand's own
    delivered parcels (with the share of similar parcels that arrived by then)."""

    source: Source
    date: date
    confidence: float | None

    @classmethod
    def all_of(cls, p: Parcel) -> list["EstimateOut"]:
        return [
            cls(source=e.source, date=e.day, confidence=e.confidence)
            for e in estimates(p.shipment, p.derived.estimated_delivery)
        ]


class ItemOut(BaseModel):
    sku: str
    name: str
    quantity: int


class ParcelOut(BaseModel):
    tracking_number: str
    carrier: str
    service: str
    direction: Direction
    status: ShipmentStatus
    status_detail: str
    estimated_delivery: date | None  # the carrier's
    delivery_estimates: list[EstimateOut]
    last_event_at: datetime | None
    items: list[ItemOut]
    events: list[EventOut]

    @classmethod
    def of(cls, p: Parcel) -> "ParcelOut":
        return cls(
            tracking_number=p.shipment.tracking_number,
            carrier=p.shipment.carrier,
            service=p.shipment.service,
            direction=p.shipment.direction,
            status=p.derived.status,
            status_detail=p.derived.carrier_status_detail,
            estimated_delivery=p.derived.estimated_delivery,
            delivery_estimates=EstimateOut.all_of(p),
            last_event_at=p.derived.last_event_at,
            items=[ItemOut(sku=i.sku, name=i.name, quantity=i.quantity) for i in p.shipment.items],
            events=[
                EventOut(
                    time=e.occurred_at,
                    status=e.status,
                    carrier_status=e.carrier_status,
                    carrier_substatus=e.carrier_substatus,
                    message=e.message,
                    location=e.location,
                    source=e.source,
                )
                for e in p.events
            ],
        )


class OrderOut(BaseModel):
    order_number: str
    placed_at: datetime | None
    promised_delivery_date: date | None
    expected_parcels: int | None
    tracking_url: str
    parcels: list[ParcelOut]


class RefundOut(BaseModel):
    order_number: str
    amount: Decimal
    currency: str
    method: str
    external_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, order: Order, refund: Refund) -> "RefundOut":
        return cls(
            order_number=order.number,
            amount=refund.amount,
            currency=refund.currency,
            method=refund.method,
            external_id=refund.external_id,
            created_at=refund.created_at,
        )


class ParcelStatusOut(BaseModel):
    tracking_number: str
    carrier: str
    direction: Direction
    status: ShipmentStatus
    status_text: str
    # Only while a delivery is still ahead: none once delivered, returning, cancelled or stuck.
    estimated_delivery: date | None  # the carrier's
    delivery_estimates: list[EstimateOut]
    delivered_at: datetime | None


class TrackOut(BaseModel):
    """The chatbot's answer: short, in the asker's language, with the link to the full page."""

    order_number: str
    language: str
    summary: str
    tracking_url: str
    parcels: list[ParcelStatusOut]


class ErrorOut(BaseModel):
    error: str
    fields: dict[str, str] | None = None
    missing_scope: Scope | None = None  # 403: what the key would need
