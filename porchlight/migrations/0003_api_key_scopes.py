from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_delivery_estimate')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiKey',
            name='scopes',
            field=fields.CharField(default='orders:write orders:read track contacts:write', db_default='orders:write orders:read track contacts:write', max_length=255),
        ),
    ]
