"""Normalised carrier events, kept whether or not a shipment claims their tracking number yet."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.enums import EventSource, ShipmentStatus


class TrackingEvent(Model):
    """One carrier scan. Linked to shipments by tracking number, so orphans attach by themselves."""

    id = fields.BigIntField(primary_key=True)
    source = fields.CharEnumField(EventSource, max_length=16)
    tracking_number = fields.CharField(max_length=64)
    carrier = fields.CharField(max_length=64, default="")
    occurred_at = fields.DatetimeField()  # carrier time, stored in UTC
    occurred_offset = fields.CharField(
        max_length=6, default=""
    )  # the carrier's own zone, e.g. +09:00
    received_at = fields.DatetimeField(auto_now_add=True)
    status = fields.CharEnumField(ShipmentStatus, max_length=32)
    carrier_status = fields.CharField(max_length=64, default="")
    carrier_substatus = fields.CharField(max_length=128, default="")
    message = fields.TextField(default="")
    location: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    estimated_delivery = fields.DateField(null=True)
    # sha256 of what makes the scan itself: replays and retries hash the same.
    fingerprint = fields.CharField(max_length=64)
    raw_payload: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    # Proof of delivery on a delivery scan: who signed for it. Personal: the shopper's page
    # shows it only after the order was looked up with the shopper's email or postcode.
    signed_by = fields.CharField(max_length=128, default="")

    class Meta:
        table = "tracking_event"
        unique_together = (("source", "tracking_number", "fingerprint"),)
        indexes = (
            Index(fields=("tracking_number", "occurred_at")),
            Index(fields=("received_at",)),
        )


class DeliveryEstimate(Model):
    """The carrier's latest delivery date for a tracking number, one row per aggregator.

    Kept apart from the scans because carriers move the date without a new scan: the same
    history with a new date is no new scan (the scans stay stored once) but is news. `as_of` is
    how recent the body that set it was (its newest scan, or the aggregator's tracker update
    time when later), so a late or retried older body cannot bring back its older date.
    """

    id = fields.BigIntField(primary_key=True)
    source = fields.CharEnumField(EventSource, max_length=16)
    tracking_number = fields.CharField(max_length=64)
    estimated_delivery = fields.DateField()
    as_of = fields.DatetimeField()
    received_at = fields.DatetimeField()  # of the body that set this date

    class Meta:
        table = "delivery_estimate"
        unique_together = (("tracking_number", "source"),)  # looked up by number alone too
        indexes = (Index(fields=("received_at",)),)
