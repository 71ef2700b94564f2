"""Peak-season burst, end to end: 10,000 webhook deliveries (30% duplicates, shuffled, 20 at a
time) into a real portal, a real `porchlight worker` sending through a provider stub that
refuses 30% of calls. Then checks that nothing was lost or sent twice.

    .venv/bin/python -m bench.burst [--deliveries N] [--concurrency C]

Database: a fresh PostgreSQL database (BENCH_BURST_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/porchlight_burst, recreated each run). Redis: BENCH_REDIS_URL
(default db 14, flushed). Baseline: the same deliveries posted to a bare Starlette endpoint.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.http_load import BARE_APP, ROOT, Server, portal_env, sign
from bench.support import Row, Target, ensure_database, table
from porchlight.enums import Trigger
from porchlight.models import Notification, Shipment, TrackingEvent
from porchlight.notifications.policy import DEFAULT_CHANNELS
from porchlight.platform.db import database, migrate
from tests.factories import a_brand, easypost_event, reachable_orders
from tests.provider_stub import ProviderStub, _handler, provider_env

RESULTS = Path(__file__).resolve().parent / "results" / "burst.json"
# What the portal and the worker print (JSON logs, tracebacks): read them when a run fails.
LOGS = {name: RESULTS.with_name(f"burst-{name}.log") for name in ("portal", "worker")}
SEE_LOGS = ", ".join(map(str, LOGS.values()))
SCANS = ["pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"]


def deliveries_for(parcels: int, total: int, rng: random.Random) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(days=2)
    distinct = [
        easypost_event(f"BBT{n}", [(status, f"scan {i}", start + timedelta(hours=3 * i))])
        for n in range(parcels)
        for i, status in enumerate(SCANS)
    ]
    bodies = distinct + rng.choices(distinct, k=total - len(distinct))
    rng.shuffle(bodies)
    return bodies


async def post_all(url: str, path: str, bodies: list[bytes], concurrency: int) -> dict[str, Any]:
    gate = asyncio.Semaphore(concurrency)
    codes: Counter[int] = Counter()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def one(body: bytes) -> None:
            async with gate:
                codes[(await client.post(path, content=body, headers=sign(body))).status_code] += 1

        began = time.monotonic()
        await asyncio.gather(*(one(b) for b in bodies))
        elapsed = time.monotonic() - began
    return {
        "seconds": round(elapsed, 2),
        "per_second": round(len(bodies) / elapsed, 1),
        "status_codes": dict(codes),
    }


async def main(total: int, concurrency: int) -> dict[str, Any]:
    url = os.environ.get(
        "BENCH_BURST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/porchlight_burst"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    await ensure_database(url, fresh=True)
    await migrate(url)
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    parcels = int(total * 0.7) // len(SCANS)
    async with database(url):
        brand, _ = await a_brand("burst", host="burst.invalid")
        await reachable_orders(brand, "BB", parcels)
    bodies = deliveries_for(parcels, total, random.Random(5))

    stub = ProviderStub()
    stub.flaky = 0.3
    provider = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    provider.daemon_threads = True
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{provider.server_port}"
    env = {
        **portal_env(url),
        "REDIS_URL": redis_url,
        **provider_env(base),
        "NOTIFICATION_RETRY_SECONDS": "0.5",
    }
    results: dict[str, Any] = {
        "deliveries": total,
        "distinct_scans": parcels * len(SCANS),
        "parcels": parcels,
        "concurrency": concurrency,
        "provider_refuses": 0.3,
    }

    bare_dir = Path(tempfile.mkdtemp())
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    bare = Server("bare_app:app", dict(os.environ), bare_dir)
    try:
        results["bare_endpoint"] = await post_all(bare.url, "/hook", bodies, concurrency)
    finally:
        bare.stop()

    RESULTS.parent.mkdir(exist_ok=True)
    portal = Server("portal.main:app", env, ROOT, log=LOGS["portal"])
    with LOGS["worker"].open("wb") as worker_log:
        worker = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("porchlight")),
            "worker",
            env=env,
            cwd=ROOT,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
    try:
        results["intake"] = await post_all(portal.url, "/hooks/easypost", bodies, concurrency)
        began = time.monotonic()
        async with database(url):
            while True:
                unsettled = await Notification.filter(status__in=["pending", "sending"]).count()
                queued = await redis.zcard("arq:queue")
                moving = await Shipment.exclude(status="delivered").count()
                if not unsettled and not queued and not moving:
                    break
                if time.monotonic() - began > 600:
                    raise RuntimeError(
                        f"not settled: {unsettled} messages, {queued} jobs, {moving} parcels"
                    )
                await asyncio.sleep(1)
            results["settle_seconds_after_intake"] = round(time.monotonic() - began, 1)
            stored = await TrackingEvent.filter(tracking_number__startswith="BBT").count()
            statuses = Counter(await Shipment.all().values_list("status", flat=True))
            sent = await Notification.filter(status="sent").values_list(
                "shipment_id", "trigger", "channel"
            )
            delivered = Counter(
                (c, s)
                for c, s in await Notification.filter(trigger="delivered").values_list(
                    "channel", "status"
                )
            )
            retried = await Notification.filter(attempts__gt=1).count()
    finally:
        worker.terminate()
        await worker.wait()
        portal.stop()
        provider.shutdown()
        await redis.aclose()
    channels = len(DEFAULT_CHANNELS[Trigger.DELIVERED])
    results["checks"] = {
        "every_scan_stored_once": stored == parcels * len(SCANS),
        "every_parcel_delivered": dict(statuses) == {"delivered": parcels},
        "no_message_twice_at_the_provider": len(stub.emails) + len(stub.sms)
        == len(sent)
        == len(set(sent)),
        "delivered_message_per_parcel_and_channel": sum(delivered.values()) == parcels * channels,
    }
    results["messages"] = {
        "sent": len(sent),
        "provider_refused_calls": stub.refused,
        "rows_retried": retried,
        "delivered_by_channel_status": {f"{c}/{s}": n for (c, s), n in delivered.items()},
    }
    results["intake_over_bare"] = round(
        results["intake"]["per_second"] / results["bare_endpoint"]["per_second"], 3
    )
    return results


def rows(large: bool) -> list[Row]:
    """For `make bench`: 10,000 deliveries (2,000 on the small data set), 20 at a time."""
    outcome = asyncio.run(main(10_000 if large else 2_000, 20))
    RESULTS.write_text(json.dumps(outcome, indent=2))
    checks = outcome.get("checks", {})
    return [
        Row(
            f"burst intake, deliveries/s ({outcome['deliveries']:,}, 30% duplicates)",
            outcome["intake"]["per_second"],
            "bare POST endpoint",
            outcome["bare_endpoint"]["per_second"],
        ),
        Row(
            "burst: every check holds (stored once, delivered, no message twice)",
            float(bool(checks) and all(checks.values())),
            target=Target(1, of="value"),
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    try:
        outcome = asyncio.run(main(args.deliveries, args.concurrency))
    except Exception:
        print(f"burst FAILED; what the servers printed: {SEE_LOGS}")
        raise
    RESULTS.write_text(json.dumps(outcome, indent=2))
    print(table(outcome))
    if not all(outcome["checks"].values()):
        print(f"burst checks FAILED; what the servers printed: {SEE_LOGS}")
        sys.exit(1)
