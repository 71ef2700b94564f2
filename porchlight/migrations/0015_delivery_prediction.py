from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_kpi_weeks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EddAccuracy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='edd_accuracy', on_delete=OnDelete.CASCADE)),
                ('week', fields.DateField()),
                ('source', fields.CharField(max_length=16)),
                ('confidence', fields.FloatField()),
                ('parcels', fields.IntField()),
                ('on_time', fields.IntField()),
                ('exact', fields.IntField()),
                ('abs_error_days', fields.IntField()),
            ],
            options={'table': 'edd_accuracy', 'app': 'models', 'unique_together': (('brand', 'week', 'source'),), 'pk_attr': 'id', 'table_description': "How predictions made at a milestone fared, per week of delivery: ours and the carriers'"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EddLane',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='edd_lanes', on_delete=OnDelete.CASCADE)),
                ('milestone', fields.CharField(max_length=24)),
                ('level', fields.SmallIntField()),
                ('key', fields.CharField(max_length=255)),
                ('samples', fields.IntField()),
                ('histogram', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('refreshed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'edd_lane', 'app': 'models', 'unique_together': (('brand', 'milestone', 'key'),), 'pk_attr': 'id', 'table_description': "One lane's transit-time distribution from one milestone (porchlight.edd.lanes)."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Shipment',
            name='predicted_confidence',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Shipment',
            name='predicted_delivery',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Shipment',
            name='predicted_from',
            field=fields.CharField(default='', max_length=24),
        ),
        ops.AddField(
            model_name='Shipment',
            name='predicted_lane',
            field=fields.CharField(default='', max_length=255),
        ),
    ]
