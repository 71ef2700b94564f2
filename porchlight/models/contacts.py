"""WISMO/WISMR contacts, recorded so the contact rate can be measured."""

from tortoise import fields
from tortoise.models import Model

from porchlight.enums import ContactReason
from porchlight.models.brands import Brand
from porchlight.models.orders import Order


class Contact(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="contacts", on_delete=fields.CASCADE
    )
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharField(max_length=32)
    reason = fields.CharEnumField(ContactReason, max_length=16)
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact"
