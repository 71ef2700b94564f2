"""Delivery changes a shopper asks for: stored here, carried out by the retailer."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.models.brands import Brand
from porchlight.models.orders import Shipment


class DeliveryRequest(Model):
    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="delivery_requests", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)  # choose_date | pickup_point | reroute
    details: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    status = fields.CharField(max_length=16, default="requested")  # requested|forwarded|failed
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    forwarded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery_request"
        indexes = (Index(fields=("shipment_id",)), Index(fields=("status", "created_at")))


class WebhookDelivery(Model):
    """One POST to a brand's retailer webhook (a delivery request, or a test ping from the
    console): where, how it was answered and how long it took, for the console's log."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="webhook_deliveries", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)  # delivery_request | ping
    reference = fields.CharField(max_length=64, default="")  # e.g. the delivery request's id
    url = fields.CharField(max_length=2000)
    status_code = fields.IntField(null=True)  # None: no answer (timeout, refused connection)
    error = fields.CharField(max_length=255, default="")
    duration_ms = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_delivery"
        indexes = (Index(fields=("brand_id", "id")),)
