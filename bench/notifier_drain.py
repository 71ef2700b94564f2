"""Drain N queued notification deliveries through one real arq worker, against a local stub of
Twilio's Messages API and SendGrid's mail/send, and compare with the same worker draining N
no-op jobs in the same run.

    .venv/bin/python -m bench.notifier_drain [--count N] [--poll-delay S]

The worker runs with `porchlight worker`'s own options (max_jobs, poll_delay from
notifier/worker.py) unless --poll-delay says otherwise. arq's own 0.5 s poll delay would cap any
worker at about max_jobs / poll_delay jobs/s whatever the jobs cost: try --poll-delay 0.5.

Database: a fresh SQLite file in a temp dir, or DATABASE_URL (postgres://...) when set. Redis:
BENCH_REDIS_URL, default redis://127.0.0.1:6379/14, which is flushed before each phase.
The report is printed and written to bench/results/notifier_drain.json.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any

from arq import func
from arq.connections import RedisSettings, create_pool
from arq.constants import default_queue_name
from arq.worker import Worker
from pydantic import SecretStr
from tortoise.functions import Count

from bench.support import Row, Target
from notifier.notifications import enqueue
from notifier.worker import MAX_JOBS, POLL_DELAY, worker_settings
from porchlight.accounts.brands import create_brand
from porchlight.enums import Channel, Direction, NotificationStatus, ShipmentStatus, Trigger
from porchlight.models import Customer, Notification, Order, Shipment
from porchlight.platform.clock import utcnow
from porchlight.platform.db import database, migrate
from porchlight.platform.settings import Settings
from tests.provider_stub import ProviderStub, _handler

RESULTS = Path(__file__).resolve().parent / "results" / "notifier_drain.json"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
BATCH = 500  # rows per bulk_create
DEFAULT_POLL_DELAY = POLL_DELAY  # what `porchlight worker` runs with
NOOP = "bench_noop"


class BenchError(Exception):
    """The run did not do what it should have: no numbers are reported."""


async def noop(ctx: dict[str, Any], i: int) -> None:
    """The baseline job: arq's own cost per job and nothing else."""


@contextmanager
def provider_stub() -> Iterator[tuple[ProviderStub, str]]:
    stub = ProviderStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


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
    for start in range(0, orders, BATCH):
        idx = range(start, min(start + BATCH, orders))
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


async def drain(
    settings: Settings, functions: list[Any], poll_delay: float
) -> tuple[float, Worker]:
    """One worker, the notifier's own settings (crons off), burst mode:
    it returns when the queue is empty. Returns the seconds it took and the worker."""
    options = worker_settings(settings)
    options.pop("redis_settings")
    options["cron_jobs"] = []
    options["functions"] = functions
    options["poll_delay"] = poll_delay
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    worker = Worker(**options, redis_pool=pool, burst=True, handle_signals=False)
    try:
        started = time.perf_counter()
        await worker.main()
        elapsed = time.perf_counter() - started
    finally:
        await worker.close()  # also closes the pool
    return elapsed, worker


def job_counts(worker: Worker) -> dict[str, int]:
    return {
        "complete": worker.jobs_complete,
        "failed": worker.jobs_failed,
        "retried": worker.jobs_retried,
    }


async def run(count: int, poll_delay: float, workdir: str) -> dict[str, Any]:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite://{workdir}/bench.sqlite3"
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    tag = f"bench-{secrets.token_hex(4)}"
    with provider_stub() as (stub, base):
        settings = bench_settings(database_url, redis_url, base, f"{workdir}/outbox")
        await migrate(database_url)
        async with database(database_url):
            redis = await create_pool(RedisSettings.from_dsn(redis_url))
            try:
                # Phase 1: the notifier's deliveries.
                await redis.flushdb()
                t0 = time.perf_counter()
                brand_id, emails, sms = await seed(count, tag)
                seed_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                for row in await Notification.filter(brand_id=brand_id).order_by("id"):
                    await enqueue(redis, row)
                enqueue_s = time.perf_counter() - t0
                queued = await redis.zcard(default_queue_name)
                if queued != count:
                    raise BenchError(f"{queued} deliver jobs queued, wanted {count}")
                deliver = worker_settings(settings)["functions"]
                notifier_s, worker = await drain(settings, deliver, poll_delay)
                notifier_jobs = job_counts(worker)

                statuses = dict(
                    await Notification.filter(brand_id=brand_id)
                    .annotate(n=Count("id"))
                    .group_by("status")
                    .values_list("status", "n")
                )
                if statuses != {NotificationStatus.SENT: count}:
                    raise BenchError(f"notification statuses after the drain: {statuses}")
                if (len(stub.received), len(stub.emails), len(stub.sms)) != (count, emails, sms):
                    raise BenchError(
                        f"stub received {len(stub.received)} requests ({len(stub.emails)} email, "
                        f"{len(stub.sms)} sms), wanted {count} ({emails} email, {sms} sms)"
                    )
                if notifier_jobs["complete"] != count or notifier_jobs["failed"]:
                    raise BenchError(f"deliver jobs: {notifier_jobs}, wanted {count} complete")

                # Phase 2: the baseline, the same worker draining no-op jobs.
                await redis.flushdb()
                t0 = time.perf_counter()
                for i in range(count):
                    await redis.enqueue_job(NOOP, i, _job_id=f"noop:{i}")
                noop_enqueue_s = time.perf_counter() - t0
                noop_s, worker = await drain(settings, [func(noop, name=NOOP)], poll_delay)
                noop_jobs = job_counts(worker)
                if noop_jobs["complete"] != count or noop_jobs["failed"]:
                    raise BenchError(f"no-op jobs: {noop_jobs}, wanted {count} complete")
                await redis.flushdb()
            finally:
                await redis.aclose()

    notifier_rate = count / notifier_s
    noop_rate = count / noop_s
    return {
        "benchmark": "notifier_drain",
        "measured_at": utcnow().isoformat(timespec="seconds"),
        "count": count,
        "channels": {"email": emails, "sms": sms},
        "trigger": Trigger.OUT_FOR_DELIVERY.value,
        "database": redacted(database_url),
        "redis": redis_url,
        "worker": {
            "workers": 1,
            "max_jobs": MAX_JOBS,
            "poll_delay_s": poll_delay,
            "burst": True,
            "cron_jobs": "removed",
        },
        "setup": {
            "seed_s": round(seed_s, 3),
            "enqueue_deliver_s": round(enqueue_s, 3),
            "enqueue_noop_s": round(noop_enqueue_s, 3),
        },
        "notifier": {
            "seconds": round(notifier_s, 3),
            "msgs_per_s": round(notifier_rate, 1),
            "jobs": notifier_jobs,
            "stub_requests": {"email": len(stub.emails), "sms": len(stub.sms)},
        },
        "noop_baseline": {
            "seconds": round(noop_s, 3),
            "jobs_per_s": round(noop_rate, 1),
            "jobs": noop_jobs,
        },
        "ratio_notifier_to_noop": round(notifier_rate / noop_rate, 4),
        "noop_to_notifier_slowdown": round(noop_rate / notifier_rate, 2),
        "python": platform.python_version(),
        "arq": version("arq"),
        "tortoise_orm": version("tortoise-orm"),
    }


def report(result: dict[str, Any]) -> str:
    n, w = result["notifier"], result["noop_baseline"]
    poll = result["worker"]["poll_delay_s"]
    return "\n".join(
        [
            f"notifier drain: {result['count']} deliveries, one arq worker "
            f"(max_jobs={result['worker']['max_jobs']}, poll_delay={poll} s, burst)",
            f"  messages     {result['channels']['email']} email (SendGrid stub) + "
            f"{result['channels']['sms']} sms (Twilio stub), trigger {result['trigger']}",
            f"  database     {result['database']}",
            f"  notifier     {n['seconds']:.3f} s  ->  {n['msgs_per_s']:.1f} msgs/s",
            f"  no-op jobs   {w['seconds']:.3f} s  ->  {w['jobs_per_s']:.1f} jobs/s",
            f"  ratio        notifier msgs/s / no-op jobs/s = "
            f"{result['ratio_notifier_to_noop']:.4f}",
            f"               (a delivery costs {result['noop_to_notifier_slowdown']:.2f}x "
            "a no-op job)",
            f"  checked      all {result['count']} rows sent; stub got "
            f"{n['stub_requests']['email']} email + {n['stub_requests']['sms']} sms requests",
            f"  written to   {RESULTS}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="jobs per phase (10000)")
    parser.add_argument(
        "--poll-delay",
        type=float,
        default=DEFAULT_POLL_DELAY,
        help="worker poll delay in seconds (0.01; arq's default, which `porchlight worker` "
        "uses, is 0.5)",
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.poll_delay <= 0:
        parser.error("--poll-delay must be positive")
    workdir = tempfile.mkdtemp(prefix="porchlight-bench-")
    try:
        result = asyncio.run(run(args.count, args.poll_delay, workdir))
    except BenchError as exc:
        print(f"notifier_drain FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))
    return 0


def rows(large: bool) -> list[Row]:
    """For `make bench`: 10,000 deliveries (2,000 on the small data set)."""
    workdir = tempfile.mkdtemp(prefix="porchlight-bench-")
    try:
        result = asyncio.run(run(10_000 if large else 2_000, DEFAULT_POLL_DELAY, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    sent = result["notifier"]["msgs_per_s"]
    return [
        Row(
            "notifier drain, messages/s per worker",
            sent,
            "no-op jobs/s, same worker",
            result["noop_baseline"]["jobs_per_s"],
            note=f"{result['count']:,} messages, half email half SMS, {result['database']}",
        ),
        Row("notifier drain, messages/s per worker", sent, target=Target(800, of="value")),
    ]


if __name__ == "__main__":
    sys.exit(main())
