"""Operations migrations share."""

from typing import Any

from tortoise.migrations import operations as ops


class DescriptionOnly(ops.AlterField):
    """A change of a column's description only (a new enum member that fits the column's
    width). Kept in the migration state, never run: tortoise's SQLite alter_field rebuilds the
    table, which drops its unique constraints (notification's (shipment, trigger, channel), the
    at-most-once guarantee) and its triggers (the order's page version, migration 0022)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None
