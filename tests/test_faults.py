"""Faults at peak: a worker killed mid-send (SIGKILL, a real `porchlight worker` process) and
restarted, against the provider stub. No scan is lost and no message is sent twice."""

import asyncio
import os
import signal
import time
from datetime import UTC, datetime, timedelta

from porchlight.models import Notification, Shipment, TrackingEvent
from tests.factories import a_brand, deliver_scans, reachable_orders
from tests.provider_stub import provider_env
from tests.worker_run import start_worker

PARCELS = 20


def worker_env(settings, base: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "PUBLIC_BASE_URL": settings.public_base_url,
        **provider_env(base),
        "JOB_TIMEOUT_SECONDS": "2",  # a killed job is picked up again 12 s later
    }


async def wait_for(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            rows = await Notification.filter(status__in=["pending", "sending"]).values_list(
                "id", "trigger", "channel", "status", "grouped_into_id", "attempts"
            )
            raise AssertionError(f"timed out; unsettled notifications: {rows}")
        await asyncio.sleep(0.2)


async def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    client, provider_stub, settings, arq_redis
):
    stub, base = provider_stub
    stub.delay = 0.3  # keep sends in flight when the kill comes
    brand, _ = await a_brand()
    await reachable_orders(brand, "K", PARCELS)
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(PARCELS):
        await deliver_scans(
            client, f"KT{n}", "pre_transit", "out_for_delivery", "delivered", start=start
        )

    env = worker_env(settings, base)
    first = await start_worker(env)
    await wait_for(lambda: _received(stub, 6), 120)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    killed_at = len(stub.messages)

    await a_worker_until_settled(env, arq_redis, 150)

    assert await TrackingEvent.all().count() == PARCELS * 3
    assert set(await Shipment.all().values_list("status", flat=True)) == {"delivered"}
    rows = await Notification.filter(trigger="delivered").values_list("channel", "status", "error")
    assert len(rows) == PARCELS * 2
    sent = [r for r in rows if r[1] == "sent"]
    interrupted = [r for r in rows if r[1] == "failed"]
    assert all(error == "interrupted mid-send: not resent" for _, _, error in interrupted)
    assert len(sent) + len(interrupted) == len(rows)
    # The provider saw each sent message once; an interrupted one at most once (it may have
    # gone out before the kill): never twice.
    all_sent = await Notification.filter(status="sent").count()
    assert all_sent <= len(stub.messages) <= all_sent + len(interrupted)
    assert len(stub.messages) > killed_at  # the second worker did the rest


async def a_worker_until_settled(env, arq_redis, seconds: float) -> None:
    """A fresh worker does what is left, then is stopped as a service manager would."""
    worker = await start_worker(env)
    try:
        await wait_for(lambda: settled(arq_redis), seconds)
    finally:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()


async def settled(arq_redis) -> bool:
    """Every message sent or given up on, and no job left queued."""
    open_rows = await Notification.filter(status__in=["pending", "sending"]).count()
    return open_rows == 0 and await arq_redis.zcard("arq:queue") == 0


async def _received(stub, n: int) -> bool:
    return len(stub.messages) >= n


async def test_a_worker_told_to_stop_mid_send_finishes_its_sends_and_exits(
    client, provider_stub, settings, arq_redis
):
    """TERM is what a service manager or `docker stop` sends: the sends in flight complete
    (cancelled, each would be failed as interrupted: at most once, but never sent again), no new
    job starts, and the process ends."""
    stub, base = provider_stub
    stub.delay = 0.5  # keep sends in flight when TERM comes
    brand, _ = await a_brand()
    await reachable_orders(brand, "T", 8)
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(8):
        await deliver_scans(client, f"TT{n}", "pre_transit", "delivered", start=start)
    env = worker_env(settings, base)
    first = await start_worker(env)
    await wait_for(lambda: _received(stub, 2), 120)
    first.send_signal(signal.SIGTERM)
    await asyncio.wait_for(first.wait(), 15)
    await a_worker_until_settled(env, arq_redis, 60)
    statuses = await Notification.filter(trigger="delivered").values_list("status", flat=True)
    assert statuses and set(statuses) == {"sent"}
    assert len(stub.messages) == len(statuses)  # each once
