from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_ratings')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notification',
            name='claimed_by',
            field=fields.CharField(default='', db_default='', max_length=128),
        ),
    ]
