"""Refunds the retailer issued on an order (from Shopify, the API or an agent), each once."""

from tortoise import fields
from tortoise.models import Model

from porchlight.models.orders import Order


class Refund(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="refunds", on_delete=fields.CASCADE
    )
    source = fields.CharField(max_length=16)  # shopify | api | agent
    external_id = fields.CharField(max_length=64)  # the source's own id: a resend is not new
    amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, null=True)
    note = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refund"
        unique_together = (("order", "source", "external_id"),)
