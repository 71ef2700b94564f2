"""One message to one customer on one channel for one trigger."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.enums import Channel, NotificationStatus, Trigger
from porchlight.models.brands import Brand
from porchlight.models.orders import Customer, Shipment


class Notification(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="notifications", on_delete=fields.CASCADE
    )
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="notifications", on_delete=fields.CASCADE
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="notifications", on_delete=fields.CASCADE
    )
    trigger = fields.CharEnumField(Trigger, max_length=32)
    channel = fields.CharEnumField(Channel, max_length=16)
    recipient = fields.CharField(max_length=254, default="")
    subject = fields.CharField(max_length=255, default="")
    body = fields.TextField(default="")
    provider_id = fields.CharField(max_length=128, null=True)
    status = fields.CharEnumField(
        NotificationStatus, max_length=16, default=NotificationStatus.PENDING
    )
    skip_reason = fields.CharField(max_length=64, default="")
    error = fields.CharField(max_length=255, default="")
    attempts = fields.IntField(default=0)
    # Set when this parcel's message went out inside another's (one email for the order).
    grouped_into_id = fields.IntField(null=True)
    # The worker job that claimed the row for sending. A job run again after its worker died
    # finds the rows it left "sending" by this mark: the provider may have taken them, so they
    # are failed, never sent twice.
    claimed_by = fields.CharField(max_length=128, default="", db_default="")
    # When a wake-up last handed the row to a batch job, for the due time it then had: later
    # wake-ups leave it to that job, unless its due time moved since or the job is long lost.
    handed_out_at = fields.DatetimeField(null=True)
    # A date message's starting point: the estimate before the move it is about. When it is
    # due, a date back where it started (Tue -> Thu -> Tue) sends nothing.
    about_date = fields.DateField(null=True)
    due_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification"
        # The at-most-once guarantee lives in the database, not in job ids.
        unique_together = (("shipment", "trigger", "channel"),)
        indexes = (Index(fields=("status", "due_at")), Index(fields=("provider_id",)))


class EmailSuppression(Model):
    """Addresses that bounced or reported spam: no more email to them, for any brand."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    reason = fields.CharField(max_length=32)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "email_suppression"


class AppliedEmailEvent(Model):
    """SendGrid events already applied, one row per event id.

    The key is the event's `sg_event_id` (or a fingerprint of an event without one): a batch
    replayed later, or twice at once, changes nothing the second time."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=80, unique=True)
    applied_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "applied_email_event"
