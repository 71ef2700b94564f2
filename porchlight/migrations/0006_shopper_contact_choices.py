from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_applied_email_events')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='email_unsubscribed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='sms_unsubscribed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='pending_phone',
            field=fields.CharField(null=True, max_length=20),
        ),
        ops.AddField(
            model_name='Customer',
            name='phone_code_hash',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Customer',
            name='phone_code_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='phone_code_tries',
            field=fields.SmallIntField(default=0),
        ),
        # Email off before this migration may be a shopper's unsubscribe, which the retailer must
        # not turn back on: kept off (the column only needs a time, so the row's own is used).
        ops.RunSQL(
            'UPDATE "customer" SET "email_unsubscribed_at" = "created_at" WHERE NOT "email_opt_in"',
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
