from tortoise import migrations
from tortoise.migrations import operations as ops
from porchlight.enums import Role
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_audit_log')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Agent',
            name='role',
            field=fields.CharEnumField(default=Role.AGENT, description='AGENT: agent\nLEAD: lead\nADMIN: admin\nOWNER: owner', enum_type=Role, max_length=16),
        ),
    ]
