from tortoise import migrations
from tortoise.migrations import operations as ops
from porchlight.enums import Role
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_audit_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='webhook_deliveries', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=32)),
                ('reference', fields.CharField(default='', max_length=64)),
                ('url', fields.CharField(max_length=2000)),
                ('status_code', fields.IntField(null=True)),
                ('error', fields.CharField(default='', max_length=255)),
                ('duration_ms', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'models', 'indexes': [Index(fields=['brand_id', 'id'])], 'pk_attr': 'id', 'table_description': "One POST to a brand's retailer webhook (a delivery request, or a test ping from the"},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Agent',
            name='role',
            field=fields.CharEnumField(default=Role.AGENT, description='AGENT: agent\nLEAD: lead\nADMIN: admin\nOWNER: owner', enum_type=Role, max_length=16),
        ),
    ]
