"""A small retailer's peak on the served portal and a running worker: eight clients post orders
while signed carrier webhooks arrive and the worker derives and notifies. Every request is
answered and every scan derived; on SQLite no write fails with "database is locked" (a third
of the orders did, when a transaction that had read first could not get the write lock)."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.exceptions import TransactionManagementError
from tortoise.transactions import in_transaction

from bench.embedded_load import SCANS, mixed_load, settle, underived
from bench.http_load import Server
from porchlight.models import Brand, TrackingEvent
from porchlight.platform.db import BUSY_TIMEOUT_MS
from tests.browser_support import _environment
from tests.factories import a_brand
from tests.worker_run import start_worker

ROOT = Path(__file__).resolve().parents[1]
ORDERS = 120


async def test_orders_webhooks_and_the_worker_at_once_are_all_answered(
    settings, arq_redis, tmp_path
):
    _, key = await a_brand(host="127.0.0.1")
    env = _environment(settings, settings.public_base_url)
    logs = [tmp_path / "portal.log", tmp_path / "worker.log"]
    portal = Server("portal.main:app", env, ROOT, log=logs[0])
    worker = await start_worker(env, logs[1])
    try:
        secret = settings.easypost_webhook_secret.get_secret_value()
        load = await mixed_load(portal.url, key, secret, ORDERS, clients=8, senders=4)
        settled_in = await settle(30)
        print(f"load {load['seconds']} s, {load['status_codes']}; derived {settled_in} s later")
    finally:
        worker.terminate()
        await worker.wait()
        portal.stop()
    said = "".join(log.read_text() for log in logs)
    assert load["errors"] == 0, load["status_codes"]
    assert load["status_codes"] == {"order 201": ORDERS, "webhook 200": ORDERS * len(SCANS)}
    assert await TrackingEvent.filter(tracking_number__startswith="LD").count() == ORDERS * 3
    assert await underived() == 0, f"parcels left underived; the worker said:\n{said[-3000:]}"
    assert "database is locked" not in said


def another_process(settings) -> sqlite3.Connection:
    """A second connection to the test database, as another process holds one."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's single write lock")
    return sqlite3.connect(settings.database_url.removeprefix("sqlite://"), isolation_level=None)


async def test_a_transaction_that_reads_first_waits_for_another_process_writing(settings):
    other = another_process(settings)
    brand, _ = await a_brand()
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE brand SET name = 'Theirs' WHERE id = ?", (brand.id,))
        asyncio.get_running_loop().call_later(0.3, other.commit)
        async with in_transaction():  # as an order's upsert: read, then write
            await Brand.get(id=brand.id)
            await Brand.filter(id=brand.id).update(name="Ours")
    finally:
        other.close()
    assert (await Brand.get(id=brand.id)).name == "Ours"


@pytest.mark.timeout(30)  # tortoise's own context never freed the connection: a hang
async def test_a_write_that_waited_too_long_fails_and_the_next_one_goes_through(settings):
    other = another_process(settings)
    brand, _ = await a_brand()
    conn = Tortoise.get_connection("default")
    await conn.execute_script("PRAGMA busy_timeout=200")
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(TransactionManagementError, match="locked"):
            async with in_transaction():
                await Brand.filter(id=brand.id).update(name="Too late")
        other.rollback()
        async with asyncio.timeout(5):  # the connection was left free for the next one
            async with in_transaction():
                await Brand.filter(id=brand.id).update(name="Ours")
    finally:
        other.close()
        await conn.execute_script(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    assert (await Brand.get(id=brand.id)).name == "Ours"
