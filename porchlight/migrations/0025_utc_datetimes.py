"""SQLite databases written before datetimes were kept in UTC (porchlight.platform.sqlite) may
hold some in a customer's or a carrier's zone (a quiet-hours wake-up, a scan's local time):
as text they compare wrongly with UTC ones, so they are rewritten in UTC. PostgreSQL keeps
timestamptz, which compares by instant: nothing to do there."""

from datetime import datetime

from tortoise import migrations
from tortoise.migrations import operations as ops

from porchlight.platform.sqlite import utc_text


async def into_utc(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    tables = await client.execute_query_dict(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for table in (row["name"] for row in tables):
        columns = await client.execute_query_dict(f'PRAGMA table_info("{table}")')
        for column in (c["name"] for c in columns if c["type"].upper() == "TIMESTAMP"):
            rows = await client.execute_query_dict(
                f'SELECT rowid AS row_id, "{column}" AS value FROM "{table}" '
                f"WHERE \"{column}\" IS NOT NULL AND \"{column}\" NOT LIKE '%+00:00'"
            )
            for row in rows:
                moment = datetime.fromisoformat(row["value"])
                if moment.tzinfo is not None:
                    await client.execute_query(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',
                        [utc_text(moment), row["row_id"]],
                    )


class Migration(migrations.Migration):
    dependencies = [('models', '0024_notification_claims')]

    initial = False

    operations = [ops.RunPython(into_utc, reverse_code=ops.RunPython.noop)]
