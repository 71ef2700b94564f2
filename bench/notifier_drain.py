"""Drain N due notifications (half email, half SMS) through one real arq worker, against the
provider stub in a process of its own, and measure in the same run the floor: the same messages
rendered and sent through the same SDK clients, as many at a time, to the same stub, with
nothing else (no database, no queue).

    .venv/bin/python -m bench.notifier_drain [--count N]

Database: DATABASE_URL (postgres://...: the figure issue 22 asks for), else a fresh SQLite
file in a temp dir; `make bench` drains 10,000 on a PostgreSQL database it makes afresh
(BENCH_DRAIN_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/porchlight_drain).
Redis: BENCH_REDIS_URL, default redis://127.0.0.1:6379/14, flushed first.
Targets (issue 22): the drain at least half the floor's rate, and 800 messages/s per worker
process. Rates are wall-clock on a shared machine: the report carries the load average and
each side's CPU time per message. Printed, and written to bench/results/notifier_drain.json.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from arq.connections import RedisSettings, create_pool
from arq.constants import default_queue_name
from arq.worker import Worker
from pydantic import SecretStr
from tortoise.functions import Count

from bench.support import Row, Target, ensure_database
from notifier.compose import Reading, compose
from notifier.delivery import BATCH, SENDS, WAVE, send_all
from notifier.notifications import enqueue
from notifier.worker import MAX_JOBS, POLL_DELAY, worker_settings
from porchlight.accounts.brands import create_brand
from porchlight.enums import Channel, Direction, NotificationStatus, ShipmentStatus, Trigger
from porchlight.models import Customer, Notification, Order, Shipment
from porchlight.platform.clock import utcnow
from porchlight.platform.db import database, migrate
from porchlight.platform.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "notifier_drain.json"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
SEED_BATCH = 500  # rows per bulk_create
TARGET_RATIO = 0.5
TARGET_RATE = 800.0


class BenchError(Exception):
    """The run did not do what it should have: no numbers are reported."""


@contextmanager
def provider_stub() -> Iterator[str]:
    """The stub's process; yields its base URL."""
    stub = subprocess.Popen(
        [sys.executable, "-m", "bench.provider_stub_server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stub.stdin is not None and stub.stdout is not None
    try:
        port = json.loads(stub.stdout.readline())["port"]
        yield f"http://127.0.0.1:{port}"
    finally:
        stub.stdin.close()
        stub.wait(timeout=10)


def stub_counts(base: str) -> dict[str, int]:
    with urlopen(f"{base}/counts", timeout=10) as answer:  # noqa: S310 - our own stub
        counts: dict[str, int] = json.load(answer)
    return counts


def bench_settings(database_url: str, redis_url: str, stub_base: str, outbox: str) -> Settings:
    """Everything the deliveries touch is set here; `.env` is not read."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        secret_key=SecretStr(secrets.token_hex(24)),
        database_url=database_url,
        redis_url=redis_url,
        public_base_url="https://track.example.com",
        outbox_dir=outbox,
        email_backend="sendgrid",
        sms_backend="twilio",
        sendgrid_api_key=SecretStr("SG." + secrets.token_hex(16)),
        sendgrid_api_base=stub_base,
        email_from="tracking@porchlight.invalid",
        twilio_account_sid="AC" + secrets.token_hex(16),
        twilio_auth_token=SecretStr(secrets.token_hex(16)),
        twilio_from_number="+15005550006",
        twilio_messaging_service_sid=None,
        twilio_api_base=stub_base,
    )


def redacted(url: str) -> str:
    """The database URL without credentials, for the report."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


async def seed(count: int, tag: str) -> tuple[int, int, int]:
    """One brand; per order one customer, one parcel out for delivery and its "out for delivery"
    email and SMS (the last order email only when count is odd). Returns (brand, emails, sms)."""
    brand = await create_brand(tag, "Bench", [f"{tag}.bench.invalid"])
    orders = math.ceil(count / 2)
    now = utcnow()
    for start in range(0, orders, SEED_BATCH):
        idx = range(start, min(start + SEED_BATCH, orders))
        await Customer.bulk_create(
            [
                Customer(
                    brand_id=brand.id,
                    email=f"c{i}@bench.invalid",
                    phone=f"+1555{i:07d}",
                    name=f"Customer {i}",
                    locale="en",
                    time_zone="UTC",
                    email_opt_in=True,
                    sms_opt_in=True,
                    quiet_hours_start=0,  # start == end: no quiet hours, nothing deferred
                    quiet_hours_end=0,
                    quiet_hours_chosen=True,
                )
                for i in idx
            ]
        )
        customers = dict(
            await Customer.filter(
                brand_id=brand.id, email__in=[f"c{i}@bench.invalid" for i in idx]
            ).values_list("email", "id")
        )
        await Order.bulk_create(
            [
                Order(
                    brand_id=brand.id,
                    number=f"B-{i:07d}",
                    customer_id=customers[f"c{i}@bench.invalid"],
                    access_token=secrets.token_urlsafe(24),
                    placed_at=now - timedelta(days=2),
                )
                for i in idx
            ]
        )
        order_ids = dict(
            await Order.filter(
                brand_id=brand.id, number__in=[f"B-{i:07d}" for i in idx]
            ).values_list("number", "id")
        )
        await Shipment.bulk_create(
            [
                Shipment(
                    brand_id=brand.id,
                    order_id=order_ids[f"B-{i:07d}"],
                    direction=Direction.OUTBOUND,
                    carrier="fedex",
                    service="ground",
                    tracking_number=f"BENCH{i:07d}",
                    shipped_at=now - timedelta(days=1),
                    first_scan_at=now - timedelta(hours=20),
                    last_event_at=now - timedelta(hours=1),
                    status=ShipmentStatus.OUT_FOR_DELIVERY,
                )
                for i in idx
            ]
        )
        shipment_ids = dict(
            await Shipment.filter(
                brand_id=brand.id, tracking_number__in=[f"BENCH{i:07d}" for i in idx]
            ).values_list("tracking_number", "id")
        )
        rows = []
        for i in idx:
            channels = [Channel.EMAIL, Channel.SMS][: min(2, count - 2 * i)]
            for channel in channels:
                rows.append(
                    Notification(
                        brand_id=brand.id,
                        shipment_id=shipment_ids[f"BENCH{i:07d}"],
                        customer_id=customers[f"c{i}@bench.invalid"],
                        trigger=Trigger.OUT_FOR_DELIVERY,
                        channel=channel,
                        recipient=f"c{i}@bench.invalid"
                        if channel == Channel.EMAIL
                        else f"+1555{i:07d}",
                        status=NotificationStatus.PENDING,
                        due_at=now - timedelta(seconds=5),
                    )
                )
        await Notification.bulk_create(rows)
    emails = await Notification.filter(brand_id=brand.id, channel=Channel.EMAIL).count()
    sms = await Notification.filter(brand_id=brand.id, channel=Channel.SMS).count()
    if emails + sms != count:
        raise BenchError(f"seeded {emails + sms} notifications, wanted {count}")
    return brand.id, emails, sms


async def drain(settings: Settings) -> tuple[float, float, Worker]:
    """One worker with the notifier's own settings (crons off), in burst mode: it returns when
    the queue is empty. Returns the wall and CPU seconds it took, and the worker."""
    options = worker_settings(settings)
    options.pop("redis_settings")
    options["cron_jobs"] = []
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    worker = Worker(**options, redis_pool=pool, burst=True, handle_signals=False)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        await worker.main()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await worker.close()  # also closes the pool
    return wall, cpu, worker


async def floor(settings: Settings, brand_id: int) -> tuple[float, float]:
    """The same messages rendered and sent as the worker does (a batch at a time, in waves of
    WAVE, SENDS calls in flight), everything they show read beforehand. Returns wall and CPU
    seconds."""
    rows = (
        await Notification.filter(brand_id=brand_id)
        .select_related("shipment__order__brand", "customer")
        .order_by("id")
    )
    batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    readings = [(batch, await Reading.of(settings, batch)) for batch in batches]
    async with AsyncExitStack() as resources:
        ctx: dict[str, Any] = {"settings": settings, "resources": resources}
        wall, cpu = time.perf_counter(), time.process_time()
        for batch, reading in readings:
            messages = [compose(settings, row, {row.shipment_id}, reading) for row in batch]  # type: ignore[attr-defined]
            waves = [messages[i : i + WAVE] for i in range(0, len(messages), WAVE)]
            await asyncio.gather(*(send_all(ctx, wave) for wave in waves))
        return time.perf_counter() - wall, time.process_time() - cpu


async def run(count: int, workdir: str, database_url: str) -> dict[str, Any]:
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    tag = f"bench-{secrets.token_hex(4)}"
    load_before = os.getloadavg()
    with provider_stub() as base:
        settings = bench_settings(database_url, redis_url, base, f"{workdir}/outbox")
        await ensure_database(database_url)
        await migrate(database_url)
        async with database(database_url):
            redis = await create_pool(RedisSettings.from_dsn(redis_url))
            try:
                await redis.flushdb()
                waiting = await Notification.filter(status=NotificationStatus.PENDING).count()
                if waiting:  # the worker sends every due row, not only this run's
                    raise BenchError(f"the database holds {waiting} pending notifications")
                t0 = time.perf_counter()
                brand_id, emails, sms = await seed(count, tag)
                seed_s = time.perf_counter() - t0
                # What schedule() does for each row: they are all due now, so one job wakes.
                for row in await Notification.filter(brand_id=brand_id).order_by("id"):
                    await enqueue(redis, row)
                woken = await redis.zcard(default_queue_name)
                # Start the clock when that job is due (the next whole second), not before.
                await asyncio.sleep(math.ceil(time.time()) - time.time() + 0.01)
                drain_s, drain_cpu, worker = await drain(settings)
                jobs = worker.jobs_complete
                statuses = dict(
                    await Notification.filter(brand_id=brand_id)
                    .group_by("status")
                    .annotate(n=Count("id"))
                    .values_list("status", "n")
                )
                if statuses != {NotificationStatus.SENT: count}:
                    raise BenchError(f"notification statuses after the drain: {statuses}")
                if worker.jobs_failed:
                    raise BenchError(f"{worker.jobs_failed} delivery jobs failed")
                drained = stub_counts(base)
                if drained != {"emails": emails, "sms": sms}:
                    raise BenchError(f"the stub took {drained}, wanted {emails} email, {sms} sms")

                floor_s, floor_cpu = await floor(settings, brand_id)
                after = stub_counts(base)
                if after != {"emails": 2 * emails, "sms": 2 * sms}:
                    raise BenchError(f"the floor's sends: the stub took {after} in all")
                await redis.flushdb()
            finally:
                await redis.aclose()
    load_after = os.getloadavg()

    drain_rate, floor_rate = count / drain_s, count / floor_s
    ratio = drain_rate / floor_rate
    return {
        "benchmark": "notifier_drain",
        "measured_at": utcnow().isoformat(timespec="seconds"),
        "count": count,
        "channels": {"email": emails, "sms": sms},
        "trigger": Trigger.OUT_FOR_DELIVERY.value,
        "database": redacted(database_url),
        "redis": redis_url,
        "cpus": os.cpu_count(),
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "worker": {
            "workers": 1,
            "max_jobs": MAX_JOBS,
            "poll_delay_s": POLL_DELAY,
            "batch": BATCH,
            "wave": WAVE,
            "sends_in_flight": SENDS,
            "burst": True,
            "cron_jobs": "removed",
        },
        "setup": {"seed_s": round(seed_s, 3), "jobs_woken_by_enqueue": woken},
        "drain": {
            "seconds": round(drain_s, 3),
            "msgs_per_s": round(drain_rate, 1),
            "cpu_ms_per_msg": round(1000 * drain_cpu / count, 3),
            "jobs": jobs,
        },
        "floor": {
            "seconds": round(floor_s, 3),
            "msgs_per_s": round(floor_rate, 1),
            "cpu_ms_per_msg": round(1000 * floor_cpu / count, 3),
        },
        "ratio_drain_to_floor": round(ratio, 3),
        "targets": {
            "ratio": TARGET_RATIO,
            "ratio_met": ratio >= TARGET_RATIO,
            "msgs_per_s": TARGET_RATE,
            "msgs_per_s_met": drain_rate >= TARGET_RATE,
        },
        "python": platform.python_version(),
        "arq": version("arq"),
        "tortoise_orm": version("tortoise-orm"),
        "sendgrid": version("sendgrid"),
        "twilio": version("twilio"),
    }


def report(result: dict[str, Any]) -> str:
    d, f, t = result["drain"], result["floor"], result["targets"]
    load = result["load_average_1m"]
    return "\n".join(
        [
            f"notifier drain: {result['count']} messages ({result['channels']['email']} email, "
            f"{result['channels']['sms']} sms), one worker, provider stub in its own process",
            f"  database     {result['database']}",
            f"  load 1m      {load['before']} before, {load['after']} after "
            f"({result['cpus']} cpus)",
            f"  drain        {d['seconds']:.3f} s  ->  {d['msgs_per_s']:.1f} msgs/s  "
            f"({d['cpu_ms_per_msg']:.3f} ms CPU each, {d['jobs']} jobs)",
            f"  floor        {f['seconds']:.3f} s  ->  {f['msgs_per_s']:.1f} msgs/s  "
            f"({f['cpu_ms_per_msg']:.3f} ms CPU each: render + SDK send only)",
            f"  ratio        {result['ratio_drain_to_floor']:.3f} of the floor "
            f"(target {t['ratio']}: {'met' if t['ratio_met'] else 'not met'})",
            f"  per worker   {d['msgs_per_s']:.1f} msgs/s (target {t['msgs_per_s']:.0f}: "
            f"{'met' if t['msgs_per_s_met'] else 'not met'})",
            f"  written to   {RESULTS}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="messages (10000)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    workdir = tempfile.mkdtemp(prefix="porchlight-bench-")
    try:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite://{workdir}/bench.sqlite3"
        result = asyncio.run(run(args.count, workdir, database_url))
    except BenchError as exc:
        print(f"notifier_drain FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))
    return 0


DRAIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/porchlight_drain"


def rows(large: bool) -> list[Row]:
    """For `make bench`: 10,000 deliveries on PostgreSQL, as issue 22 measures them, at either
    size (about half a minute)."""
    workdir = tempfile.mkdtemp(prefix="porchlight-bench-")
    url = os.environ.get("BENCH_DRAIN_DATABASE_URL", DRAIN_DATABASE_URL)
    try:
        asyncio.run(ensure_database(url, fresh=True))  # no pending rows left by an earlier run
        result = asyncio.run(run(10_000, workdir, url))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    drain, floor = result["drain"]["msgs_per_s"], result["floor"]["msgs_per_s"]
    note = f"{result['count']:,} messages, half email half SMS, {result['database']}"
    return [
        Row(
            "notifier drain, messages/s per worker",
            drain,
            "render + SDK send only, messages/s",
            floor,
            Target(TARGET_RATIO),
            note=note,
        ),
        Row("notifier drain, messages/s per worker", drain, target=Target(TARGET_RATE, of="value")),
    ]


if __name__ == "__main__":
    sys.exit(main())
