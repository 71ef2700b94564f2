"""A brand's own wording of one message, replacing the theme's template for one language."""

from tortoise import fields
from tortoise.models import Model

from porchlight.enums import Channel, Trigger
from porchlight.models.auth import Agent
from porchlight.models.brands import Brand


# Jinja source checked on save (porchlight.notifications.texts): a sandboxed template that may
# name only the variables its trigger offers. No row: the theme's template is used.
class MessageText(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="message_texts", on_delete=fields.CASCADE
    )
    trigger = fields.CharEnumField(Trigger, max_length=32)
    channel = fields.CharEnumField(Channel, max_length=8)
    locale = fields.CharField(max_length=16)
    subject = fields.CharField(max_length=300, default="")  # email only
    body = fields.TextField()  # the email's message paragraph, or the whole SMS
    updated_at = fields.DatetimeField()
    updated_by: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="message_texts", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "message_text"
        unique_together = (("brand", "trigger", "channel", "locale"),)
