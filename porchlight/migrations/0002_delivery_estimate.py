from tortoise import migrations
from tortoise.migrations import operations as ops
from porchlight.enums import EventSource
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliveryEstimate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharEnumField(description='EASYPOST: easypost\nAFTERSHIP: aftership\nSHIPPO: shippo', enum_type=EventSource, max_length=16)),
                ('tracking_number', fields.CharField(max_length=64)),
                ('estimated_delivery', fields.DateField()),
                ('as_of', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delivery_estimate', 'app': 'models', 'unique_together': (('tracking_number', 'source'),), 'indexes': [Index(fields=['received_at'])], 'pk_attr': 'id', 'table_description': "The carrier's latest delivery date for a tracking number, one row per aggregator."},
            bases=['Model'],
        ),
    ]
