"""Customers, orders and their parcels: what the retailer tells us through the API."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.enums import Direction, ShipmentStatus
from porchlight.models.brands import Brand


class Customer(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="customers", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)  # stored lower-cased and stripped
    phone = fields.CharField(max_length=20, null=True)  # E.164
    name = fields.CharField(max_length=200, default="")
    locale = fields.CharField(max_length=16, null=True)
    time_zone = fields.CharField(max_length=64, null=True)
    email_opt_in = fields.BooleanField(default=True)
    sms_opt_in = fields.BooleanField(default=False)
    sms_opted_out_at = fields.DatetimeField(null=True)  # STOP from the handset wins over opt-in
    # WhatsApp needs its own consent, kept with where it came from ("tracking_page", or the
    # retailer's "retailer:<their source>") and when; a STOP sent over WhatsApp ends it.
    whatsapp_opt_in = fields.BooleanField(default=False)
    whatsapp_consent_source = fields.CharField(max_length=80, default="")
    whatsapp_consent_at = fields.DatetimeField(null=True)
    whatsapp_opted_out_at = fields.DatetimeField(null=True)
    # The shopper turned the channel off for all orders themselves (unsubscribe link, mail
    # client, our page): the retailer's `notifications` can never turn it back on.
    email_unsubscribed_at = fields.DatetimeField(null=True)
    sms_unsubscribed_at = fields.DatetimeField(null=True)
    # A number typed on the order page, waiting for the code texted to it
    # (porchlight.notifications.phones): until that code comes back, `phone` stays the one
    # messages go to.
    pending_phone = fields.CharField(max_length=20, null=True)
    phone_code_hash = fields.CharField(max_length=64, null=True)  # HMAC-SHA256, hex
    phone_code_expires_at = fields.DatetimeField(null=True)
    phone_code_tries = fields.SmallIntField(default=0)
    # The shopper's own quiet hours, once chosen (`quiet_hours_chosen`); until then the brand's
    # `quiet_hours` apply.
    quiet_hours_start = fields.SmallIntField(default=21)
    quiet_hours_end = fields.SmallIntField(default=8)
    quiet_hours_chosen = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"
        unique_together = (("brand", "email"),)
        # Agent search: a phone typed in any format is normalised to E.164 and looked up here.
        # (Name, email and number fragments use trigram indexes on PostgreSQL: migration 0009.)
        indexes = (Index(fields=("phone",)),)


class Order(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="orders", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=64)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", on_delete=fields.RESTRICT
    )
    # The shopper's link: unguessable, so knowing an order number is not enough.
    access_token = fields.CharField(max_length=64, unique=True)
    placed_at = fields.DatetimeField(null=True)
    promised_delivery_date = fields.DateField(null=True)
    destination: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    postcode = fields.CharField(max_length=16, default="")  # normalised for lookup
    value_amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    value_currency = fields.CharField(max_length=3, null=True)
    flags: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    # Per-order channel choice; None follows the customer's choice for all orders.
    notify_email = fields.BooleanField(null=True)
    notify_sms = fields.BooleanField(null=True)
    # What is still to come in a split order: the parcels the retailer expects to send, and
    # the order's lines ([{"sku", "name", "quantity"}]) to set against the parcels' items.
    expected_parcels = fields.SmallIntField(null=True)
    items: list[dict[str, Any]] = fields.JSONField(default=list)  # type: ignore[assignment]
    # An agent paused every message about this order (the shopper asked, or a case is delicate):
    # the notifier records each message it would have sent as skipped, "paused".
    notifications_paused_at = fields.DatetimeField(null=True)
    # The store cancelled the order (Shopify's orders/cancelled): the tracking page says so and
    # the notifier skips every message about it, "order_cancelled".
    cancelled_at = fields.DatetimeField(null=True)
    # Goes up with every write to anything the tracking page shows (the order, its customer,
    # parcels, items, scans, dates, delivery requests, refunds): the page's ETag and the key it
    # is kept under. The database keeps it (triggers, migration 0022): no writer can forget it,
    # and a save from a stale copy of the row cannot take it back.
    version = fields.IntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    shipments: fields.ReverseRelation["Shipment"]
    refunds: fields.ReverseRelation["Refund"]

    class Meta:
        table = "order"
        unique_together = (("brand", "number"),)
        indexes = (Index(fields=("customer_id",)),)


class Shipment(Model):
    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="shipments", on_delete=fields.CASCADE
    )
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="shipments", on_delete=fields.CASCADE
    )
    direction = fields.CharEnumField(Direction, max_length=16, default=Direction.OUTBOUND)
    carrier = fields.CharField(max_length=64)
    service = fields.CharField(max_length=64, default="")
    tracking_number = fields.CharField(max_length=64)  # normalised: upper-case, no spaces
    fulfilment_node = fields.CharField(max_length=64, default="")
    lane = fields.CharField(max_length=128, default="")
    shipped_at = fields.DatetimeField(null=True)
    # Ship-time evidence, for carrier claims and warehouse feedback.
    address_validation = fields.CharField(max_length=32, default="")
    declared_weight_g = fields.IntField(null=True)
    billed_weight_g = fields.IntField(null=True)
    declared_dimensions = fields.CharField(max_length=64, default="")
    billed_dimensions = fields.CharField(max_length=64, default="")
    packer_id = fields.CharField(max_length=64, default="")
    packaging_type = fields.CharField(max_length=64, default="")
    photo_url = fields.CharField(max_length=500, default="")
    signature_required = fields.BooleanField(default=False)
    # Derived from tracking events (porchlight.tracking.derive), never from a single webhook.
    status = fields.CharEnumField(ShipmentStatus, max_length=32, default=ShipmentStatus.UNKNOWN)
    carrier_status_detail = fields.CharField(max_length=255, default="")
    estimated_delivery = fields.DateField(null=True)
    last_event_at = fields.DatetimeField(null=True)
    first_scan_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    # Our own date (porchlight.edd.predict), from the lane history: by when the parcel arrives
    # with `predicted_confidence`, counted from the milestone `predicted_from`.
    predicted_delivery = fields.DateField(null=True)
    predicted_confidence = fields.FloatField(null=True)
    predicted_from = fields.CharField(max_length=24, default="")
    predicted_lane = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    items: fields.ReverseRelation["ShipmentItem"]

    class Meta:
        table = "shipment"
        unique_together = (("brand", "tracking_number"),)
        indexes = (
            Index(fields=("order_id",)),  # the tracking page's parcels
            Index(fields=("tracking_number",)),
            Index(fields=("status", "last_event_at")),
            Index(fields=("first_scan_at", "shipped_at")),
            Index(fields=("brand_id", "shipped_at")),
            Index(fields=("brand_id", "delivered_at")),
        )


class ShipmentItem(Model):
    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="items", on_delete=fields.CASCADE
    )
    sku = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200, default="")
    quantity = fields.IntField(default=1)

    class Meta:
        table = "shipment_item"
        indexes = (Index(fields=("shipment_id",)),)


class Refund(Model):
    """Money the retailer gave back, from an agent's case or the API: what "your refund is on
    its way" is about. `external_id` (the store's own refund id) makes a resent call a no-op."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="refunds", on_delete=fields.CASCADE
    )
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="refunds", on_delete=fields.CASCADE
    )
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    currency = fields.CharField(max_length=3)
    method = fields.CharField(max_length=32, default="")
    source = fields.CharField(max_length=16)  # api, agent, or a connector's name
    external_id = fields.CharField(max_length=128, null=True)
    # When the shopper's notice was scheduled, or found not owed (a refund shopify-sync found
    # late, an order with no parcel). Null: still owed, and the worker's sweep sends it if the
    # job asking for it was lost (Redis was down when the refund was recorded).
    notice_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refund"
        unique_together = (("brand", "external_id"),)
        indexes = (Index(fields=("order_id",)),)
