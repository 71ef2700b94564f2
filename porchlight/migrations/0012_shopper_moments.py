from tortoise import migrations
from porchlight.platform.migration_ops import DescriptionOnly
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from porchlight.enums import Trigger
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index



class Migration(migrations.Migration):
    dependencies = [('models', '0011_connectors')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('currency', fields.CharField(max_length=3)),
                ('method', fields.CharField(default='', max_length=32)),
                ('source', fields.CharField(max_length=16)),
                ('external_id', fields.CharField(null=True, max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'refund', 'app': 'models', 'unique_together': (('brand', 'external_id'),), 'indexes': [Index(fields=['order_id'])], 'pk_attr': 'id', 'table_description': 'Money the retailer gave back, from an agent\'s case or the API: what "your refund is on'},
            bases=['Model'],
        ),
        DescriptionOnly(
            model_name='Notification',
            name='trigger',
            field=fields.CharEnumField(description='SHIPPED: shipped\nFIRST_SCAN: first_scan\nOUT_FOR_DELIVERY: out_for_delivery\nDELIVERED: delivered\nAVAILABLE_FOR_PICKUP: available_for_pickup\nFAILED_ATTEMPT: failed_attempt\nDELAY: delay\nNEW_DATE: new_date\nLOOKING_INTO_IT: looking_into_it\nEXCEPTION: exception\nRETURNING_TO_SENDER: returning_to_sender\nRETURN_RECEIVED: return_received\nREFUND_ISSUED: refund_issued\nSPLIT_PROGRESS: split_progress', enum_type=Trigger, max_length=32),
        ),
        ops.AddField(
            model_name='Notification',
            name='about_date',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Order',
            name='expected_parcels',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Order',
            name='items',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
