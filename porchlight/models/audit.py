"""The audit log: who changed what, when, from what to what (console edits, agent actions)."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from porchlight.models.auth import Agent
from porchlight.models.brands import Brand


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    # Null for deployment-wide changes (a brand created or removed by an owner).
    brand: fields.ForeignKeyNullableRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="audit_entries", null=True, on_delete=fields.CASCADE
    )
    # Null when the CLI or the system acted; `actor` still says who ("cli", "system").
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    actor = fields.CharField(max_length=254)
    action = fields.CharField(max_length=64)  # "settings.update", "api_key.revoke", ...
    subject = fields.CharField(max_length=128, default="")  # "order:42", "agent:7", ...
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "audit_entry"
        ordering = ("-created_at", "-id")
        # The console's log by brand; an order's (or an agent's) own trail by its subject.
        indexes = (("brand_id", "created_at"), ("subject", "created_at"))
