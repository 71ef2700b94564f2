"""The embedded database's client: tortoise's SQLite client, with write transactions that wait
for the lock instead of failing ("engine": "porchlight.platform.sqlite" in db.py's config), and
every datetime written in UTC."""

import sqlite3
from datetime import UTC, datetime

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


def utc_text(value: datetime) -> str:
    """SQLite keeps a datetime as text and compares it as text: one written in its own zone
    (a quiet-hours wake-up at 08:00-08:00) sorted before "now" in UTC and went out at night.
    Tortoise's adapter (imported above, replaced here) writes the zone as given."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(" ")


sqlite3.register_adapter(datetime, utc_text)


class ImmediateTransaction(SqliteTransactionWrapper):
    """A write transaction that takes SQLite's write lock when it begins. Tortoise begins with a
    deferred BEGIN: a transaction that reads first (a get_or_create, an upsert) asks for the
    lock at its first write, and if another process has written since it read, SQLite answers
    "database is locked" at once, whatever the busy timeout (waiting could deadlock). With
    8 API clients, webhooks and the worker, over a quarter of the orders failed that way. BEGIN
    IMMEDIATE waits (up to the busy timeout) for the writer ahead instead; reads outside
    transactions go on in parallel, as WAL allows."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's, except that a BEGIN that fails (the busy timeout ran out) releases the
    connection's lock again: tortoise's own keeps it, and the process would wait forever."""

    async def __aenter__(self) -> ImmediateTransaction:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            await self.connection.begin()
        except BaseException:
            self._trxlock.release()
            raise
        self.token = get_connections().set(self.connection_name, self.connection)
        return self.connection  # type: ignore[no-any-return]


class EmbeddedClient(SqliteClient):
    """The SQLite client, with every transaction a write transaction (`ImmediateTransaction`):
    transactions here are all there to write."""

    def _in_transaction(self) -> ImmediateTransactionContext:
        return ImmediateTransactionContext(ImmediateTransaction(self), self._lock)


# Tortoise takes an engine's client from its module's `client_class`; its migrations pick
# SQLite's schema editor by the client's module name, hence this module's.
client_class = EmbeddedClient
