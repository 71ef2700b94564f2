from tortoise import migrations
from tortoise.migrations import operations as ops
from porchlight.enums import Channel, Trigger
from tortoise.fields.base import OnDelete
from tortoise import fields



class Migration(migrations.Migration):
    dependencies = [('models', '0009_console')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AgentInvite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agent', fields.ForeignKeyField('models.Agent', source_field='agent_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'agent_invite', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MessageText',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('models.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='message_texts', on_delete=OnDelete.CASCADE)),
                ('trigger', fields.CharEnumField(description='SHIPPED: shipped\nFIRST_SCAN: first_scan\nOUT_FOR_DELIVERY: out_for_delivery\nDELIVERED: delivered\nAVAILABLE_FOR_PICKUP: available_for_pickup\nFAILED_ATTEMPT: failed_attempt\nDELAY: delay\nNEW_DATE: new_date\nLOOKING_INTO_IT: looking_into_it\nEXCEPTION: exception\nRETURNING_TO_SENDER: returning_to_sender\nRETURN_RECEIVED: return_received\nREFUND_ISSUED: refund_issued\nSPLIT_PROGRESS: split_progress', enum_type=Trigger, max_length=32)),
                ('channel', fields.CharEnumField(description='EMAIL: email\nSMS: sms', enum_type=Channel, max_length=8)),
                ('locale', fields.CharField(max_length=16)),
                ('subject', fields.CharField(default='', max_length=300)),
                ('body', fields.TextField(unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_by', fields.ForeignKeyField('models.Agent', source_field='updated_by_id', null=True, db_constraint=True, to_field='id', related_name='message_texts', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'message_text', 'app': 'models', 'unique_together': (('brand', 'trigger', 'channel', 'locale'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Customer',
            name='quiet_hours_chosen',
            field=fields.BooleanField(default=False),
        ),
    ]
