"""Shoppers' ratings of a delivery, from the links in the delivered email."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.models.brands import Brand
from porchlight.models.cases import Case
from porchlight.models.orders import Order, Shipment


class Rating(Model):
    """One per order (the unique order): rating again changes this row. Its week is the week
    of the first rating; the parcel is the one whose email was clicked last, and gives the
    carrier and lane the CSAT breakdowns count it under."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="ratings", on_delete=fields.CASCADE
    )
    order: fields.OneToOneRelation[Order] = fields.OneToOneField(
        "models.Order", related_name="rating", on_delete=fields.CASCADE
    )
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="ratings", on_delete=fields.CASCADE
    )
    score = fields.SmallIntField()
    comment = fields.TextField(default="")
    rated_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    # The call-back case a low score opened: set once, so an order opens at most one.
    callback_case: fields.ForeignKeyNullableRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="ratings", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "rating"
        indexes = (Index(fields=("brand_id", "rated_at")),)
