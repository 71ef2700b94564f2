"""The tracking page and webhook intake under load, over loopback, against a bare endpoint.

    .venv/bin/python -m bench.http_load [--seconds S] [--concurrency C] [--large-db URL]

Each server is what `porchlight serve` runs (uvicorn, uvloop + httptools, one process, JSON
request logs), started here; the baseline is a bare Starlette JSON endpoint served the same way.
The load comes from an async httpx client in this process: C connections for S seconds. That
client tops out near the bare endpoint's figure, so when wrk is installed the bare endpoint and
the tracking page are measured again with it (`wrk` in the results): the client-independent
ratios. wrk also measures a second baseline, the bare endpoint looking the order up by its
token in one indexed SELECT (asyncpg, no ORM): what any page that checks access costs at least.

- Tracking page: GET /o/<token> for an order of 3 parcels and 40 events, on a database of 1,000
  shipments and (with --large-db, e.g. the one `bench.kpis` filled) of 1,000,000. Views of one
  order are repeat views (its page is kept); first views cycle over 4,096 such orders, more
  than a process keeps, so every page is rendered from the database (on their own database of
  12,288 shipments, and on the large one).
- Webhook intake: EasyPost bodies with 10-event histories, half of them replays of one already
  sent; events stored per second, checked stored exactly once afterwards.
Database: a PostgreSQL database it creates (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/porchlight_load). Redis: BENCH_REDIS_URL (db 14).
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.support import ensure_database, table
from porchlight.accounts.brands import create_brand
from porchlight.carriers.easypost import adapter
from porchlight.models import Brand, Customer, Order, Shipment, TrackingEvent
from porchlight.platform.db import database, migrate
from porchlight.tracking import intake, timeline
from portal.shopper.kept import KEPT
from tests.factories import easypost_event, easypost_headers

RESULTS = Path(__file__).resolve().parent / "results" / "http_load.json"
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-webhook-secret"  # noqa: S105 - the bench server's own
BARE_APP = """
import os
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

class Connection(asyncpg.Connection):
    def get_reset_query(self):
        return ""  # as the portal's pool does

@asynccontextmanager
async def lifespan(app):
    url = os.environ.get("BARE_DATABASE_URL")
    app.state.pool = url and await asyncpg.create_pool(url, connection_class=Connection)
    yield
    if url:
        await app.state.pool.close()

async def hello(request):
    return JSONResponse({"status": "ok"})

async def echo(request):
    await request.body()
    return JSONResponse({"accepted": 0})

async def one_select(request):
    sql = 'SELECT id FROM "order" WHERE access_token = $1'
    order = await request.app.state.pool.fetchval(sql, request.path_params["token"])
    return JSONResponse({"order": order})

app = Starlette(
    routes=[
        Route("/", hello),
        Route("/hook", echo, methods=["POST"]),
        Route("/o/{token}", one_select),
    ],
    lifespan=lifespan,
)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """uvicorn in a subprocess, as in production (minus --workers: one process each). `log`:
    a file for what it prints, to read when a run fails; otherwise it is discarded."""

    def __init__(
        self, target: str, env: dict[str, str], cwd: Path, log: Path | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("wb") if log else open(os.devnull, "wb") as output:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    target,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=cwd,
                stdout=output,
                stderr=subprocess.STDOUT,
            )  # the child keeps its own copy of `output`
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{target} did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


async def load(
    call: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    base_url: str,
    seconds: float,
    concurrency: int,
    host: str = "127.0.0.1",
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, headers={"host": host}) as c:
        await call(c, 0)  # warm

        async def user(n: int) -> None:
            nonlocal errors
            i = n
            while time.monotonic() < stop_at:
                began = time.perf_counter()
                response = await call(c, i)
                latencies.append(time.perf_counter() - began)
                errors += response.status_code >= 400
                i += concurrency

        began = time.monotonic()
        await asyncio.gather(*(user(n) for n in range(concurrency)))
        elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


PARCEL_EVENTS = (14, 13, 13)  # an order of 3 parcels and 40 events
# Views cycling over more orders than a portal process keeps cards for: every view a first one.
FIRST_VIEW_ORDERS = 2 * KEPT


async def tracking_orders(slug: str, host: str, count: int, filler: int = 0) -> list[str]:
    """Access tokens of `count` orders of 3 parcels / 40 events on a brand at `host`, made in
    bulk (and kept for the next run), beside `filler` one-parcel orders without events."""
    brand = await Brand.get_or_none(slug=slug) or await create_brand(slug, slug.title(), [host])
    made = await Order.filter(brand=brand, number__startswith="LOAD-").count()
    if made < count:
        customer = await Customer.create(brand=brand, email=f"load{secrets.token_hex(4)}@{host}")
        if made == 0:
            await _orders(brand, customer, [f"F-{i}" for i in range(filler)], ())
        await _orders(brand, customer, [f"LOAD-{i}" for i in range(made, count)], PARCEL_EVENTS)
    orders = await Order.filter(brand=brand, number__startswith="LOAD-").order_by("id").limit(count)
    shown = [len(p.events) for p in await timeline.parcels(orders[0])]
    if shown != list(PARCEL_EVENTS):  # a page without its scans would measure nothing
        raise RuntimeError(f"{slug}: the page would show {shown} scans, not {PARCEL_EVENTS}")
    return [o.access_token for o in orders]


CHUNK = 40  # orders per round: 1,600 events stay within PostgreSQL's 32,767 parameters


async def _orders(
    brand: Brand, customer: Customer, numbers: list[str], events: tuple[int, ...]
) -> None:
    now = datetime.now(UTC)
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        await Order.bulk_create(
            [
                Order(
                    brand=brand, customer=customer, number=n, access_token=secrets.token_urlsafe(24)
                )
                for n in chunk
            ]
        )
        ids = await Order.filter(brand=brand, number__in=chunk).values_list("id", flat=True)
        parcels = [
            (oid, f"{brand.slug.upper()}{oid}P{p}", n)
            for oid in ids
            for p, n in enumerate(events or (0,))
        ]
        await Shipment.bulk_create(
            [
                Shipment(
                    brand=brand,
                    order_id=oid,
                    carrier="dhl",
                    tracking_number=number,
                    status="in_transit" if n else "label_created",
                    last_event_at=now if n else None,
                )
                for oid, number, n in parcels
            ]
        )
        # Scans as EasyPost sends them, parsed and stored by intake (raw payloads and all).
        await intake.store(
            [
                event
                for _, number, n in parcels
                if n
                for event in adapter.parse(in_transit_body(number, n, now - timedelta(hours=n)))
            ]
        )


def in_transit_body(tracking: str, scans: int, start: datetime) -> bytes:
    """An EasyPost tracker.updated body with `scans` in-transit scans an hour apart."""
    return easypost_event(
        tracking, [("in_transit", f"scan {i}", start + timedelta(hours=i)) for i in range(scans)]
    )


def sign(body: bytes) -> dict[str, str]:
    return easypost_headers(body, SECRET)


def portal_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "load-" + "k" * 40,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "EASYPOST_WEBHOOK_SECRET": SECRET,
        "PUBLIC_BASE_URL": "http://load.invalid",
    }


async def page_load(
    url: str, host: str, tokens: list[str], seconds: float, concurrency: int
) -> dict[str, float]:
    """The tracking page of `tokens` in turn, from a portal on the database at `url`."""
    portal = Server("portal.main:app", portal_env(url), ROOT)
    try:
        return await load(
            lambda c, i: c.get(f"/o/{tokens[i % len(tokens)]}"),
            portal.url,
            seconds,
            concurrency,
            host,
        )
    finally:
        portal.stop()


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    base_url: str,
    host: str,
    paths: list[str],
    seconds: float,
    concurrency: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """The same load from wrk (C, one thread): fast enough that the server, not the client, is
    what a bare endpoint's figure measures. `headers`: sent with every request too."""
    script = Path(tempfile.mkdtemp()) / "paths.lua"
    script.write_text(
        f"paths = {{{', '.join(json.dumps(p) for p in paths)}}}\n"
        "i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n"
    )
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-H", f"Host: {host}", "-s", str(script), base_url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = {"errors": 0}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif line.startswith("Non-2xx"):
            figures["errors"] = int(words[-1])
        elif words and words[0] in ("50%", "99%") and len(words) == 2:
            value = words[1]
            unit = value.lstrip("0123456789.")
            figures[f"p{words[0][:2]}_ms"] = round(float(value[: -len(unit)]) * WRK_UNITS[unit], 2)
    return figures


def wrk_runs(
    small_db: str,
    first_db: str,
    token: str,
    first_tokens: list[str],
    seconds: float,
    concurrency: int,
) -> dict[str, Any]:
    bare_dir = Path(tempfile.mkdtemp())
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    runs: dict[str, Any] = {}
    for name, target, env, cwd, host, paths in (
        ("bare_get", "bare_app:app", dict(os.environ), bare_dir, "127.0.0.1", ["/"]),
        (
            "bare_one_select",
            "bare_app:app",
            {**os.environ, "BARE_DATABASE_URL": small_db},
            bare_dir,
            "127.0.0.1",
            [f"/o/{token}"],
        ),
        (
            "tracking_page_1k",
            "portal.main:app",
            portal_env(small_db),
            ROOT,
            "load.invalid",
            [f"/o/{token}"],
        ),
        (
            "tracking_page_first_views",
            "portal.main:app",
            portal_env(first_db),
            ROOT,
            "first.invalid",
            [f"/o/{t}" for t in first_tokens],
        ),
    ):
        server = Server(target, env, cwd)
        try:
            runs[name] = wrk(server.url, host, paths, seconds, concurrency)
        finally:
            server.stop()
    bare = runs["bare_get"]["rps"]
    runs["tracking_page_over_bare"] = round(runs["tracking_page_1k"]["rps"] / bare, 4)
    runs["first_views_over_bare"] = round(runs["tracking_page_first_views"]["rps"] / bare, 4)
    one_select = runs["bare_one_select"]["rps"]
    runs["tracking_page_over_one_select"] = round(runs["tracking_page_1k"]["rps"] / one_select, 4)
    runs["first_views_over_one_select"] = round(
        runs["tracking_page_first_views"]["rps"] / one_select, 4
    )
    return runs


async def main(seconds: float, concurrency: int, large_db: str | None) -> dict[str, Any]:
    small_db = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/porchlight_load"
    )
    first_db = small_db + "_first"
    for url in (small_db, first_db):
        await ensure_database(url)
        await migrate(url)
    async with database(small_db):
        [token_small] = await tracking_orders("load", "load.invalid", 1, filler=1000)
        await TrackingEvent.filter(tracking_number__startswith="HOOK").delete()
    async with database(first_db):
        first_tokens = await tracking_orders("first", "first.invalid", FIRST_VIEW_ORDERS)
    results: dict[str, Any] = {"seconds": seconds, "concurrency": concurrency}
    bare_dir = Path(tempfile.mkdtemp())
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    bare = Server("bare_app:app", dict(os.environ), bare_dir)
    try:
        results["bare_get"] = await load(lambda c, i: c.get("/"), bare.url, seconds, concurrency)
        body = in_transit_body("X", 10, datetime.now(UTC))
        results["bare_post"] = await load(
            lambda c, i: c.post("/hook", content=body), bare.url, seconds, concurrency
        )
    finally:
        bare.stop()

    results["tracking_page_1k"] = await page_load(
        small_db, "load.invalid", [token_small], seconds, concurrency
    )
    portal = Server("portal.main:app", portal_env(small_db), ROOT)
    try:
        start = datetime.now(UTC) - timedelta(days=2)
        bodies = [in_transit_body(f"HOOK{i}", 10, start) for i in range(100_000)]

        def post(c: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
            body = bodies[i // 2]  # every body twice: half the deliveries are replays
            return c.post("/hooks/easypost", content=body, headers=sign(body))

        intake = await load(post, portal.url, seconds, concurrency, "load.invalid")
        intake["events_per_s_offered"] = round(intake["rps"] * 10, 1)
        results["webhook_intake"] = intake
    finally:
        portal.stop()
    async with database(small_db):
        stored = await TrackingEvent.filter(tracking_number__startswith="HOOK").count()
        numbers = (
            await TrackingEvent.filter(tracking_number__startswith="HOOK")
            .distinct()
            .values_list("tracking_number", flat=True)
        )
    results["webhook_intake"]["distinct_events_stored"] = stored
    results["webhook_intake"]["stored_exactly_once"] = stored == len(numbers) * 10
    results["webhook_intake"]["stored_events_per_s"] = round(stored / seconds, 1)

    results["tracking_page_first_views"] = await page_load(
        first_db, "first.invalid", first_tokens, seconds, concurrency
    )

    if large_db:
        async with database(large_db):
            large_tokens = await tracking_orders(
                "loadlarge", "loadlarge.invalid", FIRST_VIEW_ORDERS
            )
            results["large_db_shipments"] = await Shipment.all().count()
        results["tracking_page_large"] = await page_load(
            large_db, "loadlarge.invalid", large_tokens[:1], seconds, concurrency
        )
        results["tracking_page_large_first_views"] = await page_load(
            large_db, "loadlarge.invalid", large_tokens, seconds, concurrency
        )
    if shutil.which("wrk"):
        results["wrk"] = wrk_runs(
            small_db, first_db, token_small, first_tokens, seconds, concurrency
        )
    else:
        print("wrk is not installed (apt-get install wrk): no client-independent figures")
    bare_rps = results["bare_get"]["rps"]
    results["tracking_page_over_bare"] = round(results["tracking_page_1k"]["rps"] / bare_rps, 3)
    results["first_views_over_bare"] = round(
        results["tracking_page_first_views"]["rps"] / bare_rps, 3
    )
    results["intake_over_bare"] = round(
        results["webhook_intake"]["rps"] / results["bare_post"]["rps"], 3
    )
    if "tracking_page_large" in results:
        results["p99_large_over_small"] = round(
            results["tracking_page_large"]["p99_ms"] / results["tracking_page_1k"]["p99_ms"], 2
        )
        results["first_views_p99_large_over_small"] = round(
            results["tracking_page_large_first_views"]["p99_ms"]
            / results["tracking_page_first_views"]["p99_ms"],
            2,
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--large-db", default=None, help="e.g. postgres://postgres@127.0.0.1:5432/porchlight_bench"
    )
    args = parser.parse_args()
    outcome = asyncio.run(main(args.seconds, args.concurrency, args.large_db))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(outcome, indent=2))
    print(table(outcome))
