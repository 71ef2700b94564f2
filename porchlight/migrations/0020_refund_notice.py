from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_order_cancelled')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Refund',
            name='notice_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Refunds recorded before this migration were announced then (or deliberately not):
        # none is owed, so the sweep never sends an old one.
        ops.RunSQL(
            'UPDATE "refund" SET "notice_at" = "created_at"', reverse_sql=ops.RunSQL.noop
        ),
    ]
