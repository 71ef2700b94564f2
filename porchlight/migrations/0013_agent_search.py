"""Agent search and triage: the phone index, trigram indexes for fragments of names, phones,
order and tracking numbers and a prefix index on emails on PostgreSQL (pg_trgm; SQLite scans),
an index on lower(name)
for exact names on both, a per-order notification pause, the queue's priority rank (filled in
for existing open cases from their flags), the SLA alert marks, the help desk case source, and agents' availability for round-robin
assignment."""

from porchlight.cases.triage import rank
from porchlight.enums import CaseSource
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

TRIGRAMS = {
    "customer_name_trgm": ("customer", "name"),
    "customer_phone_trgm": ("customer", "phone"),
    "order_number_trgm": ('"order"', "number"),
    "shipment_tracking_number_trgm": ("shipment", "tracking_number"),
}


async def search_indexes(apps, schema_editor) -> None:
    client = schema_editor.client
    await client.execute_script(
        "CREATE INDEX IF NOT EXISTS customer_name_lower ON customer (lower(name))"
    )
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in TRIGRAMS.items():
        await client.execute_script(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )
    # Email prefixes (LIKE 'ana.sch%') whatever the database's collation.
    await client.execute_script(
        "CREATE INDEX IF NOT EXISTS customer_email_prefix ON customer (email text_pattern_ops)"
    )


async def drop_search_indexes(apps, schema_editor) -> None:
    for name in ["customer_name_lower", "customer_email_prefix", *TRIGRAMS]:
        await schema_editor.client.execute_script(f"DROP INDEX IF EXISTS {name}")


async def rank_open_cases(apps, schema_editor) -> None:
    Case = apps.get_model("models", "Case")
    for case_id, flags in await Case.filter(state="open").values_list("id", "priority_flags"):
        if flags:
            await Case.filter(id=case_id).update(priority_rank=rank(flags))


class Migration(migrations.Migration):
    dependencies = [('models', '0012_shopper_moments')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Agent',
            name='available',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Agent',
            name='last_assigned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Case',
            name='priority_rank',
            field=fields.SmallIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Case',
            name='sla_breach_alerted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Case',
            name='sla_warned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Customer',
            index=Index(fields=['phone']),
        ),
        ops.AddField(
            model_name='Order',
            name='notifications_paused_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='Case',
            name='source',
            field=fields.CharEnumField(description='RULE: rule\nCARRIER: carrier\nSHOPPER: shopper\nAGENT: agent\nHELPDESK: helpdesk', enum_type=CaseSource, max_length=16),
        ),
        ops.RunPython(search_indexes, reverse_code=drop_search_indexes),
        ops.RunPython(rank_open_cases, reverse_code=lambda apps, schema_editor: None),
    ]
