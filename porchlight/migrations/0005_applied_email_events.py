from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_api_key_scopes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AppliedEmailEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=80)),
                ('applied_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'applied_email_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'SendGrid events already applied, one row per event id.'},
            bases=['Model'],
        ),
    ]
