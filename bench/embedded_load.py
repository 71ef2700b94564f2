"""A small retailer's peak on one machine: API clients post orders while signed carrier webhooks
arrive and a running worker derives and notifies, all as fast as the portal answers. How many
parcels and scans per second the database takes, with how many errors (none is the bar).

    .venv/bin/python -m bench.embedded_load [--orders N] [--clients C] [--senders S] [--url URL]

The portal is uvicorn in a subprocess (one process, as `porchlight serve` and the demo run it),
the worker `porchlight worker`; each order has one parcel, and each parcel gets its scans as
carriers send them, one webhook per scan with the history so far. Database: a fresh SQLite
file (default) or the URL given (`sqlite://...?synchronous=NORMAL`, a PostgreSQL one: recreated).
Redis: BENCH_REDIS_URL (default db 14, flushed). Results are kept per database in
bench/results/embedded_load.json. The test suite runs the same load, smaller.
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.http_load import ROOT, SECRET, Server, portal_env
from bench.support import ensure_database, table
from porchlight.models import Shipment
from porchlight.platform.db import database, migrate
from tests.factories import a_brand, bearer, easypost_event, easypost_headers, order_payload
from tests.worker_run import start_worker

RESULTS = Path(__file__).resolve().parent / "results" / "embedded_load.json"
SCANS = ["in_transit", "out_for_delivery", "delivered"]
PREFIX = "LD"
JSON = {"Content-Type": "application/json"}


def order_body(n: int) -> bytes:
    customer = {"email": f"load{n}@example.com", "locale": "en", "time_zone": "UTC"}
    return json.dumps(order_payload(f"L-{n}", f"{PREFIX}{n}", customer=customer)).encode()


def scans_so_far(n: int, count: int, start: datetime) -> bytes:
    """Parcel n's history as the aggregator resends it: every scan up to the `count`th."""
    history = [(s, f"scan {i}", start + timedelta(hours=3 * i)) for i, s in enumerate(SCANS)]
    return easypost_event(f"{PREFIX}{n}", history[:count])


async def mixed_load(
    portal_url: str, key: str, secret: str, orders: int, clients: int, senders: int
) -> dict[str, Any]:
    """`clients` post the orders while `senders` post every parcel's scans; status codes (or
    the transport error: a 500 may take its connection down) and timings per kind."""
    codes: Counter[str] = Counter()
    latencies: dict[str, list[float]] = {"order": [], "webhook": []}
    start = datetime.now(UTC) - timedelta(days=1)
    async with httpx.AsyncClient(base_url=portal_url, timeout=120) as http:

        async def post(kind: str, path: str, body: bytes, headers: dict[str, str]) -> None:
            began = time.perf_counter()
            try:
                response = await http.post(path, content=body, headers=headers)
                codes[f"{kind} {response.status_code}"] += 1
            except httpx.TransportError as exc:
                codes[f"{kind} {type(exc).__name__}"] += 1
            latencies[kind].append(time.perf_counter() - began)

        async def api_client(first: int) -> None:
            for n in range(first, orders, clients):
                await post("order", "/api/v1/orders", order_body(n), bearer(key) | JSON)

        async def webhook_sender(first: int) -> None:
            for count in range(1, len(SCANS) + 1):
                for n in range(first, orders, senders):
                    body = scans_so_far(n, count, start)
                    await post("webhook", "/hooks/easypost", body, easypost_headers(body, secret))

        began = time.monotonic()
        await asyncio.gather(
            *(api_client(n) for n in range(clients)),
            *(webhook_sender(n) for n in range(senders)),
        )
        seconds = time.monotonic() - began
    result: dict[str, Any] = {"seconds": round(seconds, 2), "status_codes": dict(codes)}
    result["errors"] = sum(n for code, n in codes.items() if not code.endswith((" 200", " 201")))
    for kind, values in latencies.items():
        values.sort()
        result[kind] = {
            "per_second": round(len(values) / seconds, 1),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(values[int(len(values) * 0.99) - 1] * 1000, 1),
        }
    # Each webhook carries one new scan (and resends the earlier ones).
    result["parcels_per_second"] = result["order"]["per_second"]
    result["new_scans_per_second"] = result["webhook"]["per_second"]
    return result


async def underived() -> int:
    """Parcels not yet derived as delivered from their stored scans."""
    parcels = Shipment.filter(tracking_number__startswith=PREFIX)
    return await parcels.exclude(status="delivered").count()


async def settle(seconds: float) -> float:
    """How long the worker took to derive every parcel after the load (gives up after `seconds`)."""
    began = time.monotonic()
    while await underived():
        if time.monotonic() - began > seconds:
            break
        await asyncio.sleep(0.2)
    return round(time.monotonic() - began, 1)


async def main(url: str, orders: int, clients: int, senders: int) -> dict[str, Any]:
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    await ensure_database(url, fresh=True)
    await migrate(url)
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await redis.aclose()
    env = {**portal_env(url), "REDIS_URL": redis_url, "OUTBOX_DIR": tempfile.mkdtemp()}
    async with database(url):
        _, key = await a_brand("load", host="127.0.0.1")
        RESULTS.parent.mkdir(exist_ok=True)
        logs = {
            name: RESULTS.with_name(f"embedded_load-{name}.log") for name in ("portal", "worker")
        }
        portal = Server("portal.main:app", env, ROOT, log=logs["portal"])
        worker = await start_worker(env, logs["worker"])
        try:
            results = await mixed_load(portal.url, key, SECRET, orders, clients, senders)
            results["settle_seconds_after_load"] = await settle(600)
            results["underived_parcels"] = await underived()
        finally:
            worker.terminate()
            await worker.wait()
            portal.stop()
    locked = sum(path.read_text().count("database is locked") for path in logs.values())
    return {
        "database": url.split("://")[0] + ("" if "?" not in url else "?" + url.split("?")[1]),
        "orders": orders,
        "api_clients": clients,
        "webhook_senders": senders,
        **results,
        "database_is_locked_in_logs": locked,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    url = args.url or f"sqlite://{tempfile.mkdtemp()}/load.sqlite3"
    outcome = asyncio.run(main(url, args.orders, args.clients, args.senders))
    kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(kept | {outcome["database"]: outcome}, indent=2))
    print(table(outcome))
