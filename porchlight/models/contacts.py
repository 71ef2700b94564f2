"""WISMO/WISMR contacts, recorded so the contact rate can be measured."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.enums import ContactReason
from porchlight.models.auth import Agent
from porchlight.models.brands import Brand
from porchlight.models.cases import Case
from porchlight.models.orders import Order


class Contact(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="contacts", on_delete=fields.CASCADE
    )
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    # The help desk's own id: a contact sent twice (retry, re-import) is stored once.
    external_id = fields.CharField(max_length=128, null=True)
    channel = fields.CharField(max_length=32)
    reason = fields.CharEnumField(ContactReason, max_length=16)
    occurred_at = fields.DatetimeField()
    case: fields.ForeignKeyNullableRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact"
        unique_together = (("brand", "external_id"),)
        indexes = (
            Index(fields=("brand_id", "occurred_at")),
            Index(fields=("order_id", "occurred_at")),  # "was the customer told first?"
        )


class PageViewDay(Model):
    """Tracking-page views per brand per day: the self-serve side of the contact rate."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="page_views", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    views = fields.IntField(default=0)

    class Meta:
        table = "page_view_day"
        unique_together = (("brand", "day"),)


class KpiWeek(Model):
    """One brand's raw weekly figures (porchlight.insight.kpis.Week), rolled up by the worker so
    the dashboard reads a row per week instead of scanning the period's shipments and cases."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="kpi_weeks", on_delete=fields.CASCADE
    )
    week = fields.DateField()  # the ISO week's Monday
    figures: dict[str, Any] = fields.JSONField()  # type: ignore[assignment]
    computed_at = fields.DatetimeField()

    class Meta:
        table = "kpi_week"
        unique_together = (("brand", "week"),)
