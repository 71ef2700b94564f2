"""An order's (or an agent's) audit trail read by its subject, on an index; an agent's own
language for the emails sent to them (SLA alerts). Both additive."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0015_delivery_prediction')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Agent',
            name='locale',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddIndex(
            model_name='AuditEntry',
            index=Index(fields=['subject', 'created_at']),
        ),
    ]
