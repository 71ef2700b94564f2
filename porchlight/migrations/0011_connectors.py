from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_console_messages_people')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AggregatorAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='aggregator_accounts', on_delete=OnDelete.CASCADE)),
                ('aggregator', fields.CharField(max_length=16)),
                ('api_key_sealed', fields.TextField(unique=False)),
                ('webhook_secret_sealed', fields.TextField(unique=False)),
                ('key_hint', fields.CharField(max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'aggregator_account', 'app': 'models', 'unique_together': (('brand', 'aggregator'),), 'pk_attr': 'id', 'table_description': "A brand's own account at EasyPost, AfterShip or Shippo: the key that registers its"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ShopifyOrder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='shopify_orders', on_delete=OnDelete.CASCADE)),
                ('shopify_id', fields.BigIntField()),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='shopify_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'shopify_order', 'app': 'models', 'unique_together': (('brand', 'shopify_id'),), 'pk_attr': 'id', 'table_description': "Shopify's order id → our order: fulfilments and refunds name only the id."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ShopifyWebhook',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='shopify_webhooks', on_delete=OnDelete.CASCADE)),
                ('webhook_id', fields.CharField(max_length=64)),
                ('topic', fields.CharField(max_length=64)),
                ('outcome', fields.CharField(default='', max_length=255)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'shopify_webhook', 'app': 'models', 'unique_together': (('brand', 'webhook_id'),), 'pk_attr': 'id', 'table_description': 'Each accepted Shopify delivery, once (Shopify resends with the same X-Shopify-Webhook-Id).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StoreConnection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='store_connections', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharField(default='shopify', max_length=16)),
                ('shop_domain', fields.CharField(max_length=255)),
                ('access_token_sealed', fields.TextField(unique=False)),
                ('webhook_secret_sealed', fields.TextField(unique=False)),
                ('token_hint', fields.CharField(max_length=8)),
                ('sync_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sync_next_url', fields.TextField(null=True, unique=False)),
                ('sync_done', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'store_connection', 'app': 'models', 'unique_together': (('brand', 'platform'),), 'pk_attr': 'id', 'table_description': 'One Shopify store per brand: where its webhooks come from and where the backfill reads.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrackerRegistration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('shipment', fields.ForeignKeyField('models.Shipment', source_field='shipment_id', db_constraint=True, to_field='id', related_name='tracker_registrations', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.AggregatorAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.CASCADE)),
                ('aggregator', fields.CharField(max_length=16)),
                ('state', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.SmallIntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=255)),
                ('external_id', fields.CharField(default='', max_length=128)),
                ('registered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'tracker_registration', 'app': 'models', 'unique_together': (('shipment', 'aggregator'),), 'indexes': [Index(fields=['state', 'updated_at'])], 'pk_attr': 'id', 'table_description': "A parcel's tracking number registered (or being registered) at one aggregator account:"},
            bases=['Model'],
        ),
    ]
