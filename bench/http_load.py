"""HTTP rates with wrk (Debian's package): the tracking page and webhook intake, each beside
the floor of its own work, served and measured in the same run.

    .venv/bin/python -m bench.http_load [--seconds S] [--rounds R] [--concurrency C]
                                        [--large-db URL] [--baseline-rev REV]

Every server is what `porchlight serve` runs (uvicorn, uvloop + httptools, one process), started
here afresh for each measurement; the load is wrk (one thread, C connections, S seconds), fast
enough that the server, not the client, is measured. Each measurement is taken R times in
alternating rounds (every case once per round, so a busy moment on a shared machine lands on
all of them); the figures are the medians, and ratios are taken between medians of one run.

- Floors: a bare Starlette endpoint (GET /, and POST /hook reading the same bodies as intake),
  and the same endpoint looking the order up by its token in one indexed SELECT (asyncpg, no
  ORM): what any page that checks access costs at least.
- Tracking page, repeat views: GET /o/<token> of one order of 3 parcels and 40 events (its page
  kept), on a database of 1,000 shipments.
- Tracking page, first views: cycling over 4,095 such orders, more than a process keeps pages or
  cards for, so every view renders from the database (12,288 shipments). The same load on the
  portal as it was before issue 22 (`--baseline-rev`, taken from git into a temp dir, on the
  same database) is the "today" it must double.
- Webhook intake: signed EasyPost bodies of 10 scans, each of a tracking number (and event id)
  of its own, posted by a wrk Lua script; the figure is events stored per second, counted in
  the database after each round, beside the bare POST of the same bodies.
- With --large-db (the 1M-shipment database `bench.kpis` fills): first views there too.
Databases: PostgreSQL ones it creates (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/porchlight_load, and the same name + "_first").
Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379/14).
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.support import Row, Target, ensure_database
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


PARCEL_EVENTS = (14, 13, 13)  # an order of 3 parcels and 40 events
# Views cycling over more orders than a portal process keeps pages (KEPT) or cards (CARDS_KEPT,
# 3 a page) for: every view a first one.
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


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_rate(
    base_url: str,
    host: str,
    script: Path,
    args: list[str],
    seconds: float,
    concurrency: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """One wrk run (one thread: the client, not the server, is the cheap side) with `script`;
    `headers`: sent with every request too."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-H", f"Host: {host}", "-s", str(script), base_url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = {"errors": 0}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif len(words) > 3 and words[1:3] == ["requests", "in"]:
            figures["requests"] = int(words[0])
            figures["seconds"] = float(words[3].rstrip("s,"))
        elif line.startswith("Non-2xx"):
            figures["errors"] = int(words[-1])
        elif words and words[0] in ("50%", "99%") and len(words) == 2:
            value = words[1]
            unit = value.lstrip("0123456789.")
            figures[f"p{words[0][:2]}_ms"] = round(float(value[: -len(unit)]) * WRK_UNITS[unit], 2)
    return figures


# GET each path of the file named by the first argument in turn.
PATHS_LUA = """
local paths, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""
# POST to the second argument each body of the file named by the first (lines of
# "signature<TAB>body") in turn, signed as EasyPost signs.
POSTS_LUA = """
local signatures, bodies, i, path = {}, {}, 0, "/"
function init(args)
  path = args[2]
  for line in io.lines(args[1]) do
    local tab = line:find("\\t", 1, true)
    signatures[#signatures + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
end
function request()
  i = i % #bodies + 1
  local headers = {["Content-Type"] = "application/json", ["X-Hmac-Signature"] = signatures[i]}
  return wrk.format("POST", path, headers, bodies[i])
end
"""
# The portal as issue 22 found it: first views must reach twice its rate in the same run.
BASELINE_REV = "6bcb4bf"
HOOK_EVENTS = 10  # scans in each webhook body


@dataclass
class Case:
    """One measurement: a server (`serve`), the Host it is asked for, and what wrk sends it.
    `warm`: a path fetched once first (templates compiled, pools open); `stored`: after the
    round, how many events it stored (intake)."""

    name: str
    serve: Callable[[], Server]
    host: str
    lua: str
    args: Callable[[int], list[str]]  # by round
    warm: str | None = None
    stored: Callable[[int], int] | None = None
    runs: list[dict[str, float]] = field(default_factory=list)

    def median(self, figure: str = "rps") -> float:
        return statistics.median(run[figure] for run in self.runs)


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def hook_bodies(folder: Path, round_: int, count: int) -> Path:
    """`count` signed EasyPost bodies for round `round_`, each of a tracking number (and event
    id) of its own: every one is stored once, so the count stored is the work done."""
    start = datetime.now(UTC) - timedelta(days=2)
    lines = []
    for i in range(count):
        body = json.loads(in_transit_body(f"HOOK{round_}R{i}", HOOK_EVENTS, start))
        body["id"] = f"evt_bench_{round_}_{i}"
        raw = json.dumps(body, separators=(",", ":")).encode()
        lines.append(f"{sign(raw)['X-Hmac-Signature']}\t{raw.decode()}")
    return write_lines(folder, f"hooks-{round_}.txt", lines)


@contextmanager
def baseline_tree(rev: str) -> Iterator[Path]:
    """The repository at `rev` in a temp dir, with the vendored htmx it serves: to run as it was."""
    folder = Path(tempfile.mkdtemp(prefix="porchlight-baseline-"))
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev],  # noqa: S607 - git and tar from PATH
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)  # noqa: S607
        vendor = ROOT / "portal" / "static" / "vendor"
        if vendor.is_dir():
            shutil.copytree(vendor, folder / "portal" / "static" / "vendor", dirs_exist_ok=True)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def get(base_url: str, host: str, path: str) -> None:
    with socket.create_connection(("127.0.0.1", int(base_url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        reply = sock.recv(64)
        while sock.recv(65536):
            pass
    if b" 200 " not in reply:
        raise RuntimeError(f"{path} on {host}: {reply!r}")


def stored_events(url: str, round_: int) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM tracking_event WHERE tracking_number LIKE $1",
                    f"HOOK{round_}R%",
                )
            )
        finally:
            await conn.close()

    return asyncio.run(count())


def measure(cases: list[Case], rounds: int, seconds: float, concurrency: int) -> None:
    """Every case once per round, rounds one after another, each on a server of its own."""
    folder = Path(tempfile.mkdtemp(prefix="porchlight-wrk-"))
    try:
        for round_ in range(1, rounds + 1):
            for case in cases:
                script = folder / f"{case.name}.lua"
                script.write_text(case.lua)
                args = case.args(round_)
                server = case.serve()
                try:
                    if case.warm:
                        get(server.url, case.host, case.warm)
                    run = wrk_rate(server.url, case.host, script, args, seconds, concurrency)
                finally:
                    server.stop()
                if case.stored:
                    run["events_stored"] = case.stored(round_)
                    run["events_per_s"] = run["events_stored"] / run["seconds"]
                case.runs.append(run)
                print(f"  round {round_} {case.name}: {run['rps']:,.1f}/s", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def prepare(large_db: str | None) -> dict[str, Any]:
    """The databases and what the cases read from them (made once, kept for later runs)."""
    small_db = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/porchlight_load"
    )
    first_db = small_db + "_first"

    async def made() -> dict[str, Any]:
        for url in (small_db, first_db):
            await ensure_database(url)
            await migrate(url)
        async with database(small_db):
            [token] = await tracking_orders("load", "load.invalid", 1, filler=1000)
            await TrackingEvent.filter(tracking_number__startswith="HOOK").delete()
        async with database(first_db):
            first = await tracking_orders("first", "first.invalid", FIRST_VIEW_ORDERS)
        large: list[str] = []
        if large_db:
            async with database(large_db):
                large = await tracking_orders("loadlarge", "loadlarge.invalid", FIRST_VIEW_ORDERS)
        return {
            "small_db": small_db,
            "first_db": first_db,
            "token": token,
            "first": first,
            "large": large,
        }

    return asyncio.run(made())


def cases(
    data: dict[str, Any], folder: Path, baseline: Path, large_db: str | None, hooks: int
) -> list[Case]:
    """Every measurement, floors first; a case added here is measured in every round, and
    `table_rows` puts it in the table. The request path's own cases (`/healthz` through the
    middleware beside bare GET, a 304 beside bare + one SELECT: issue 22, items 2 and 3) join
    the list after the repeat views."""
    bare_dir = folder / "bare"
    bare_dir.mkdir()
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    small_db, first_db, token = data["small_db"], data["first_db"], data["token"]
    first_paths = write_lines(folder, "first.txt", [f"/o/{t}" for t in data["first"][1:]])

    def bare(url: str | None = None) -> Callable[[], Server]:
        env = {**os.environ, **({"BARE_DATABASE_URL": url} if url else {})}
        return lambda: Server("bare_app:app", env, bare_dir)

    def portal(url: str, tree: Path = ROOT) -> Callable[[], Server]:
        env = portal_env(url)
        if tree != ROOT:
            env["PYTHONPATH"] = str(tree)  # its own portal and porchlight, not this checkout's
        return lambda: Server("portal.main:app", env, tree)

    def paths(*listed: str) -> Callable[[int], list[str]]:
        return lambda _: [str(write_lines(folder, f"paths-{len(listed)}.txt", list(listed)))]

    def bodies(round_: int) -> list[str]:
        return [str(hook_bodies(folder, round_, hooks)), "/hooks/easypost"]

    def bare_bodies(round_: int) -> list[str]:
        return [str(hook_bodies(folder, round_, hooks)), "/hook"]

    found = [
        Case("bare_get", bare(), "127.0.0.1", PATHS_LUA, paths("/")),
        Case("bare_one_select", bare(small_db), "127.0.0.1", PATHS_LUA, paths(f"/o/{token}")),
        Case("bare_post", bare(), "127.0.0.1", POSTS_LUA, bare_bodies),
        Case(
            "page_repeat_views",
            portal(small_db),
            "load.invalid",
            PATHS_LUA,
            paths(f"/o/{token}"),
            warm=f"/o/{token}",
        ),
        Case(
            "page_first_views",
            portal(first_db),
            "first.invalid",
            PATHS_LUA,
            lambda _: [str(first_paths)],
            warm=f"/o/{data['first'][0]}",
        ),
        Case(
            "page_first_views_before",
            portal(first_db, baseline),
            "first.invalid",
            PATHS_LUA,
            lambda _: [str(first_paths)],
            warm=f"/o/{data['first'][0]}",
        ),
        Case(
            "webhook_intake",
            portal(small_db),
            "load.invalid",
            POSTS_LUA,
            bodies,
            stored=lambda round_: stored_events(small_db, round_),
        ),
    ]
    if large_db:
        large_paths = write_lines(folder, "large.txt", [f"/o/{t}" for t in data["large"][1:]])
        found.append(
            Case(
                "page_first_views_1m",
                portal(large_db),
                "loadlarge.invalid",
                PATHS_LUA,
                lambda _: [str(large_paths)],
                warm=f"/o/{data['large'][0]}",
            )
        )
    return found


def results(measured: list[Case]) -> dict[str, Any]:
    return {case.name: {"median_rps": case.median(), "runs": case.runs} for case in measured}


def table_rows(measured: dict[str, Case], rounds: int) -> list[Row]:
    """The figures issue 22 holds these paths to, each beside its floor of the same run."""
    rps = {name: case.median() for name, case in measured.items()}
    note = f"wrk, median of {rounds} alternating rounds"
    intake = measured["webhook_intake"]
    found = [
        Row("bare GET /, requests/s", rps["bare_get"], note=note),
        Row(
            "tracking page, repeat views/s",
            rps["page_repeat_views"],
            "bare + one SELECT",
            rps["bare_one_select"],
            Target(0.6),
        ),
        Row(
            "tracking page, first views/s",
            rps["page_first_views"],
            "the same before issue 22",
            rps["page_first_views_before"],
            Target(2.0),
            note=f"4,095 orders of 3 parcels / 40 scans, cycled; before = git {BASELINE_REV}",
        ),
        Row(
            "tracking page, first views/s",
            rps["page_first_views"],
            "bare + one SELECT",
            rps["bare_one_select"],
            Target(0.05),
            note="issue 22 asks for either this ratio or twice the rate before it (the row above)",
        ),
        Row(
            "webhook intake, events stored/s",
            intake.median("events_per_s"),
            "bare POST, bodies/s × 10",
            rps["bare_post"] * HOOK_EVENTS,
            note="distinct signed EasyPost bodies of 10 scans, counted stored in the database",
        ),
        Row("webhook intake, requests/s", rps["webhook_intake"], "bare POST", rps["bare_post"]),
    ]
    if "page_first_views_1m" in rps:
        found.append(
            Row(
                "tracking page, first views/s on 1M shipments",
                rps["page_first_views_1m"],
                "first views on 12k shipments",
                rps["page_first_views"],
            )
        )
    return found


def run(
    seconds: float, rounds: int, concurrency: int, large_db: str | None, rev: str
) -> tuple[dict[str, Any], list[Row]]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    data = prepare(large_db)
    folder = Path(tempfile.mkdtemp(prefix="porchlight-http-"))
    # Bodies enough for twice the rate wrk measured intake at here (≈450 posts/s).
    hooks = int(1000 * seconds)
    try:
        with baseline_tree(rev) as baseline:
            measured = cases(data, folder, baseline, large_db, hooks)
            measure(measured, rounds, seconds, concurrency)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcome = {
        "seconds": seconds,
        "rounds": rounds,
        "concurrency": concurrency,
        "baseline_rev": rev,
        "load_average": os.getloadavg(),
        "hook_bodies_per_round": hooks,
        **results(measured),
    }
    return outcome, table_rows({case.name: case for case in measured}, rounds)


def rows(large: bool) -> list[Row]:
    """For `make bench`: 3 rounds of 5 s (10 s each on the large data set)."""
    large_db = os.environ.get(
        "BENCH_LARGE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/porchlight_bench"
    )
    outcome, found = run(10 if large else 5, 3, 16, large_db if large else None, BASELINE_REV)
    save(outcome)
    return found


def save(outcome: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(outcome, indent=2))


if __name__ == "__main__":
    from bench.support import rows_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument(
        "--large-db", default=None, help="e.g. postgres://postgres@127.0.0.1:5432/porchlight_bench"
    )
    args = parser.parse_args()
    outcome, found = run(
        args.seconds, args.rounds, args.concurrency, args.large_db, args.baseline_rev
    )
    save(outcome)
    print(rows_table(found))
