"""Delivery-date prediction: lane distributions the worker refreshes, and weekly accuracy."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from porchlight.models.brands import Brand


class EddLane(Model):
    """One lane's transit-time distribution from one milestone (porchlight.edd.lanes).

    Rewritten for a brand by the refresh job; a prediction reads at most one row per level."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="edd_lanes", on_delete=fields.CASCADE
    )
    milestone = fields.CharField(max_length=24)
    level = fields.SmallIntField()  # 0 is the narrowest
    key = fields.CharField(max_length=255)
    samples = fields.IntField()
    # Delivery days → recency-weighted share, keys as text (JSON objects have string keys).
    histogram: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    refreshed_at = fields.DatetimeField()

    class Meta:
        table = "edd_lane"
        unique_together = (("brand", "milestone", "key"),)


class EddAccuracy(Model):
    """How predictions made at a milestone fared, per week of delivery: ours and the carriers'
    on the same parcels, written by the backtest (the refresh job replays recent weeks)."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="edd_accuracy", on_delete=fields.CASCADE
    )
    week = fields.DateField()  # Monday of the ISO week the parcels were delivered in (UTC)
    source = fields.CharField(max_length=16)  # "ours" or "carrier"
    confidence = fields.FloatField()
    parcels = fields.IntField()
    on_time = fields.IntField()  # delivered on or before the predicted date
    exact = fields.IntField()  # delivered on it
    abs_error_days = fields.IntField()  # summed over the parcels

    class Meta:
        table = "edd_accuracy"
        unique_together = (("brand", "week", "source"),)
