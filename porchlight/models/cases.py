"""Delivery exceptions: one owner, a timer, two tracks and a close code."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.enums import CaseSource, CaseState, CloseCode, ExceptionType
from porchlight.models.auth import Agent
from porchlight.models.brands import Brand
from porchlight.models.orders import Shipment


class Case(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="cases", on_delete=fields.CASCADE
    )
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="cases", on_delete=fields.CASCADE
    )
    type = fields.CharEnumField(ExceptionType, max_length=32)
    state = fields.CharEnumField(CaseState, max_length=16, default=CaseState.OPEN)
    source = fields.CharEnumField(CaseSource, max_length=16)
    owner: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="cases", null=True, on_delete=fields.SET_NULL
    )
    priority_flags: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    # The flags as one number the queue sorts and filters on in SQL, on SQLite and PostgreSQL
    # alike (porchlight.cases.triage.rank): one bit per flag, the weightiest flag the highest.
    priority_rank = fields.SmallIntField(default=0, db_default=0)
    sla_due_at = fields.DatetimeField(null=True)  # first response due
    resolution_due_at = fields.DatetimeField(null=True)
    # The deadline that matters now (first response, then resolution): what the queue sorts on.
    next_due_at = fields.DatetimeField(null=True)
    first_action_at = fields.DatetimeField(null=True)
    # When the owner was warned that the first-response SLA is about to break, and when the
    # brand's leads were told it broke (porchlight.cases.sla_alerts): each once per case.
    sla_warned_at = fields.DatetimeField(null=True)
    sla_breach_alerted_at = fields.DatetimeField(null=True)
    customer_resolution: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    carrier_recovery: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    close_code = fields.CharEnumField(CloseCode, max_length=32, null=True)
    opened_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    # Set while open so the database keeps one open case per (shipment, type).
    open_key = fields.CharField(max_length=96, null=True, unique=True)

    class Meta:
        table = "case"
        indexes = (
            Index(fields=("state", "next_due_at")),
            Index(fields=("brand_id", "state", "next_due_at")),
            Index(fields=("shipment_id", "type", "state")),
            Index(fields=("brand_id", "opened_at")),
            Index(fields=("brand_id", "closed_at")),
        )


class CaseEntry(Model):
    """The case timeline: signals that joined it, notes, track changes."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="entries", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    body = fields.TextField(default="")
    data: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    author: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="case_entries", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "case_entry"
        indexes = (Index(fields=("kind", "created_at")), Index(fields=("case_id", "created_at")))
