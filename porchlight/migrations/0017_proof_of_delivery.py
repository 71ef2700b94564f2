from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_audit_subject_agent_locale')]

    initial = False

    operations = [
        ops.AddField(
            model_name='TrackingEvent',
            name='signed_by',
            field=fields.CharField(default='', max_length=128),
        ),
    ]
