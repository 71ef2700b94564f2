from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0025_utc_datetimes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notification',
            name='handed_out_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
