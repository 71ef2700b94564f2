from tortoise import migrations
from porchlight.platform.migration_ops import DescriptionOnly
from tortoise.migrations import operations as ops
from porchlight.enums import ExceptionType
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0022_order_version')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Rating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('order', fields.OneToOneField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.CASCADE)),
                ('shipment', fields.ForeignKeyField('models.Shipment', source_field='shipment_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('score', fields.SmallIntField()),
                ('comment', fields.TextField(default='', unique=False)),
                ('rated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('callback_case', fields.ForeignKeyField('models.Case', source_field='callback_case_id', null=True, db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'rating', 'app': 'models', 'indexes': [Index(fields=['brand_id', 'rated_at'])], 'pk_attr': 'id', 'table_description': 'One per order (the unique order): rating again changes this row. Its week is the week'},
            bases=['Model'],
        ),
        DescriptionOnly(
            model_name='Case',
            name='type',
            field=fields.CharEnumField(description='NO_FIRST_SCAN: no_first_scan\nSTALLED_IN_TRANSIT: stalled_in_transit\nFAILED_ATTEMPT: failed_attempt\nDELIVERED_NOT_RECEIVED: delivered_not_received\nDAMAGE_REPORTED: damage_reported\nRETURN_TO_SENDER: return_to_sender\nDELAY: delay\nLOW_RATING: low_rating', enum_type=ExceptionType, max_length=32),
        ),
    ]
