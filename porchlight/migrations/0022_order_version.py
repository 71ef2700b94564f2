"""The order's page version (`Order.version`), kept by the database: triggers raise it on every
write to a table the tracking page reads, whichever code writes (the ORM, intake's raw SQL,
bulk loads). On PostgreSQL the child tables' triggers run once per statement (a body of 40
scans is one UPDATE of its order, not 40) and the order's own trigger sets OLD + 1 whatever
an UPDATE writes, so a save from a stale copy of the row cannot take the version back.
SQLite has row triggers only: the same, row by row."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# Table → the orders a row of it shows on, with `{row}` for the row (NEW or OLD).
ORDERS_OF = {
    "shipment": "SELECT {row}.order_id",
    "refund": "SELECT {row}.order_id",
    "shipment_item": "SELECT order_id FROM shipment WHERE id = {row}.shipment_id",
    "delivery_request": "SELECT order_id FROM shipment WHERE id = {row}.shipment_id",
    "tracking_event": "SELECT order_id FROM shipment WHERE tracking_number = {row}.tracking_number",
    "delivery_estimate": (
        "SELECT order_id FROM shipment WHERE tracking_number = {row}.tracking_number"
    ),
    "customer": 'SELECT id FROM "order" WHERE customer_id = {row}.id',
}
# What the same orders are on PostgreSQL, from a statement's transition table `changed`.
PG_ORDERS_OF = {
    "shipment": "SELECT order_id FROM changed",
    "refund": "SELECT order_id FROM changed",
    "shipment_item": "SELECT s.order_id FROM shipment s JOIN changed c ON s.id = c.shipment_id",
    "delivery_request": (
        "SELECT s.order_id FROM shipment s JOIN changed c ON s.id = c.shipment_id"
    ),
    "tracking_event": (
        "SELECT s.order_id FROM shipment s JOIN changed c ON s.tracking_number = c.tracking_number"
    ),
    "delivery_estimate": (
        "SELECT s.order_id FROM shipment s JOIN changed c ON s.tracking_number = c.tracking_number"
    ),
    "customer": 'SELECT o.id FROM "order" o JOIN changed c ON o.customer_id = c.id',
}
BUMP = 'UPDATE "order" SET version = version + 1 WHERE id IN ({orders})'
# A new customer has no orders yet and one with orders cannot be deleted (RESTRICT): of a
# customer's writes only updates count. The other tables count every insert, update, delete.
OPERATIONS = {table: ("INSERT", "UPDATE", "DELETE") for table in ORDERS_OF} | {
    "customer": ("UPDATE",)
}
# For UPDATE the old row's orders are bumped too: a parcel moved to another order changes both.
ROWS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}


def _name(table: str, operation: str) -> str:
    return f"{table}_{operation.lower()}_bumps_order_version"


def sqlite_script() -> list[str]:
    statements = [
        # A write to the order row itself (any column, from any copy of it) counts as well.
        'CREATE TRIGGER order_update_bumps_version AFTER UPDATE ON "order" '
        "WHEN NEW.version <= OLD.version BEGIN "
        'UPDATE "order" SET version = OLD.version + 1 WHERE id = NEW.id; END'
    ]
    for table, operations in OPERATIONS.items():
        for operation in operations:
            orders = " UNION ".join(ORDERS_OF[table].format(row=row) for row in ROWS[operation])
            statements.append(
                f"CREATE TRIGGER {_name(table, operation)} AFTER {operation} ON {table} "
                f"BEGIN {BUMP.format(orders=orders)}; END"
            )
    return statements


def postgres_script() -> list[str]:
    statements = [
        "CREATE FUNCTION order_version_goes_up() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.version := OLD.version + 1; RETURN NEW; END $$",
        'CREATE TRIGGER order_update_bumps_version BEFORE UPDATE ON "order" '
        "FOR EACH ROW EXECUTE FUNCTION order_version_goes_up()",
    ]
    for table, operations in OPERATIONS.items():
        for operation in operations:
            # Transition tables allow one event per trigger: INSERT, UPDATE and DELETE apart.
            name = _name(table, operation)
            tables = {"INSERT": ["changed"], "UPDATE": ["previous", "changed"]}.get(
                operation, ["changed"]
            )
            orders = " UNION ".join(PG_ORDERS_OF[table].replace("changed", t) for t in tables)
            referencing = {
                "INSERT": "NEW TABLE AS changed",
                "UPDATE": "OLD TABLE AS previous NEW TABLE AS changed",
                "DELETE": "OLD TABLE AS changed",
            }[operation]
            statements += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {BUMP.format(orders=orders)}; RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER {operation} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    return statements


async def create_triggers(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for statement in postgres_script() if postgres else sqlite_script():
        await client.execute_script(statement)


async def drop_triggers(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    names = [(_name(t, op), t) for t, ops_ in OPERATIONS.items() for op in ops_]
    for name, table in [("order_update_bumps_version", '"order"'), *names]:
        await client.execute_script(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in ["order_version_goes_up", *(name for name, _ in names)]:
            await client.execute_script(f"DROP FUNCTION IF EXISTS {function}()")


class Migration(migrations.Migration):
    dependencies = [('models', '0021_shopify_webhook_subscriptions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='version',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.RunPython(create_triggers, reverse_code=drop_triggers),
    ]
