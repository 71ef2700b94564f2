"""A brand's connected store and aggregator accounts, what their webhooks delivered, and where
each parcel's tracking number was registered. Credentials are stored sealed
(porchlight.platform.sealed): the database alone never gives them back."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from porchlight.models.brands import Brand
from porchlight.models.orders import Order, Shipment


class StoreConnection(Model):
    """One Shopify store per brand: where its webhooks come from and where the backfill reads."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="store_connections", on_delete=fields.CASCADE
    )
    platform = fields.CharField(max_length=16, default="shopify")
    shop_domain = fields.CharField(max_length=255)  # NAME.myshopify.com
    access_token_sealed = fields.TextField()
    webhook_secret_sealed = fields.TextField()
    token_hint = fields.CharField(max_length=8)  # last four characters, to tell keys apart
    # The backfill's place, so a run that stopped resumes where it was: the page it was about
    # to read for the `--since` it was given.
    sync_since = fields.DatetimeField(null=True)
    sync_next_url = fields.TextField(null=True)
    sync_done = fields.IntField(default=0)
    # Shopify's webhooks, subscribed through the Admin API when the store is connected
    # (porchlight.connectors.subscriptions): pending|subscribed|failed, with the last error;
    # "" for a store connected before Porchlight subscribed them itself.
    webhooks_state = fields.CharField(max_length=16, default="")
    webhooks_error = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "store_connection"
        unique_together = (("brand", "platform"),)


class AggregatorAccount(Model):
    """A brand's own account at EasyPost, AfterShip or Shippo: the key that registers its
    tracking numbers, and the secret its webhooks to /hooks/<aggregator>/<brand> are signed with."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="aggregator_accounts", on_delete=fields.CASCADE
    )
    aggregator = fields.CharField(max_length=16)  # an EventSource value
    api_key_sealed = fields.TextField()
    webhook_secret_sealed = fields.TextField()
    key_hint = fields.CharField(max_length=8)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "aggregator_account"
        unique_together = (("brand", "aggregator"),)


class ShopifyWebhook(Model):
    """Each accepted Shopify delivery, once (Shopify resends with the same X-Shopify-Webhook-Id)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="shopify_webhooks", on_delete=fields.CASCADE
    )
    webhook_id = fields.CharField(max_length=64)
    topic = fields.CharField(max_length=64)
    outcome = fields.CharField(max_length=255, default="")  # what it did, or why it did nothing
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "shopify_webhook"
        unique_together = (("brand", "webhook_id"),)


class ShopifyOrder(Model):
    """Shopify's order id → our order: fulfilments and refunds name only the id."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="shopify_orders", on_delete=fields.CASCADE
    )
    shopify_id = fields.BigIntField()
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="shopify_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "shopify_order"
        unique_together = (("brand", "shopify_id"),)


class TrackerRegistration(Model):
    """A parcel's tracking number registered (or being registered) at one aggregator account:
    one row per (parcel, aggregator), so it is registered at most once whoever asks."""

    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="tracker_registrations", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation[AggregatorAccount] = fields.ForeignKeyField(
        "models.AggregatorAccount", related_name="registrations", on_delete=fields.CASCADE
    )
    aggregator = fields.CharField(max_length=16)
    state = fields.CharField(max_length=16, default="pending")  # pending|registered|failed
    attempts = fields.SmallIntField(default=0)
    last_error = fields.CharField(max_length=255, default="")
    external_id = fields.CharField(max_length=128, default="")  # the aggregator's tracker id
    registered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "tracker_registration"
        unique_together = (("shipment", "aggregator"),)
        indexes = (Index(fields=("state", "updated_at")),)
