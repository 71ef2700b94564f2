from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_agent_sessions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiKey',
            name='scopes',
            field=fields.CharField(default='orders:write orders:read track contacts:write', db_default='orders:write orders:read track contacts:write', max_length=255),
        ),
    ]
