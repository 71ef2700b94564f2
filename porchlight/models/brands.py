"""A brand is data (hosts, theme, locale, policy), never code."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Brand(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    theme = fields.CharField(max_length=64, default="default")
    default_locale = fields.CharField(max_length=16, default="en")
    time_zone = fields.CharField(max_length=64, default="UTC")
    email_from = fields.CharField(max_length=254, null=True)
    sms_from = fields.CharField(max_length=32, null=True)
    # Notification policy, exception thresholds, delivery options, outbound webhook URL.
    settings: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    created_at = fields.DatetimeField(auto_now_add=True)

    hosts: fields.ReverseRelation["BrandHost"]

    class Meta:
        table = "brand"

    def __str__(self) -> str:
        return self.slug


class BrandHost(Model):
    """A Host header that selects a brand (one host, one brand)."""

    id = fields.IntField(primary_key=True)
    host = fields.CharField(max_length=253, unique=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="hosts", on_delete=fields.CASCADE
    )

    class Meta:
        table = "brand_host"
