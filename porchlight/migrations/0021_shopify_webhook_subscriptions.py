from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0020_refund_notice')]

    initial = False

    operations = [
        ops.AddField(
            model_name='StoreConnection',
            name='webhooks_error',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='StoreConnection',
            name='webhooks_state',
            field=fields.CharField(default='', max_length=16),
        ),
    ]
