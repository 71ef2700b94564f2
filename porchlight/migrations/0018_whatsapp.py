from tortoise import migrations
from porchlight.platform.migration_ops import DescriptionOnly
from tortoise.migrations import operations as ops
from porchlight.enums import Channel
from tortoise import fields




class Migration(migrations.Migration):
    dependencies = [('models', '0017_proof_of_delivery')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='whatsapp_consent_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='whatsapp_consent_source',
            field=fields.CharField(default='', max_length=80),
        ),
        ops.AddField(
            model_name='Customer',
            name='whatsapp_opt_in',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='whatsapp_opted_out_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        DescriptionOnly(
            model_name='MessageText',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: email\nSMS: sms\nWHATSAPP: whatsapp', enum_type=Channel, max_length=8),
        ),
        DescriptionOnly(
            model_name='Notification',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: email\nSMS: sms\nWHATSAPP: whatsapp', enum_type=Channel, max_length=16),
        ),
    ]
