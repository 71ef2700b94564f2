from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_agent_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KpiWeek',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='kpi_weeks', on_delete=OnDelete.CASCADE)),
                ('week', fields.DateField()),
                ('figures', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kpi_week', 'app': 'models', 'unique_together': (('brand', 'week'),), 'pk_attr': 'id', 'table_description': "One brand's raw weekly figures (porchlight.insight.kpis.Week), rolled up by the worker so"},
            bases=['Model'],
        ),
    ]
