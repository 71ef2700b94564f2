"""What an operator relies on: health, readiness, metrics and traceable request logs."""

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta

import httpx
from asgi_lifespan import LifespanManager

from notifier.notifications import owed_refunds
from porchlight.models import Notification, Refund, TrackingEvent
from porchlight.platform.clock import utcnow
from porchlight.platform.db import tortoise_config
from porchlight.platform.logs import configure
from portal.app import create_app
from tests.conftest import METRICS_TOKEN, client_for, start_redis
from tests.factories import (
    a_brand,
    an_order,
    bearer,
    easypost_event,
    easypost_headers,
    journey,
    shopper_order,
)
from tests.worker_run import run_worker


async def test_liveness_and_readiness_answer_when_database_and_redis_are_up(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_readiness_fails_when_redis_is_gone_and_only_the_log_says_why(
    client_with_own_redis, caplog
):
    client, redis, _ = client_with_own_redis
    assert (await client.get("/readyz")).status_code == 200
    redis.kill()
    redis.wait()
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}  # anyone may ask: no more than that
    [why] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("not ready")]
    assert why.startswith("not ready: redis failed: ")


async def test_intake_keeps_events_while_redis_is_down(client_with_own_redis):
    client, redis, _ = client_with_own_redis
    redis.kill()
    redis.wait()
    body = easypost_event("TN-DOWN", journey("pre_transit", "in_transit"))
    response = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert response.status_code == 200
    assert await TrackingEvent.filter(tracking_number="TN-DOWN").count() == 2


async def test_a_refund_recorded_while_redis_is_down_is_announced_once_by_the_sweep(
    client_with_own_redis, providers, arq_redis
):
    """The API records the refund but cannot enqueue its notice; the worker's sweep finds the
    notice owed and sends it, once, however often the sweep runs."""
    client, redis, _ = client_with_own_redis
    stub, settings = providers
    _, key, _ = await shopper_order("A-1001", "TN1")
    redis.kill()
    redis.wait()
    refund = {"amount": "12.50", "currency": "EUR", "external_id": "R-1"}
    headers = {**bearer(key), "host": "track.example.com"}
    recorded = await client.post("/api/v1/orders/A-1001/refunds", json=refund, headers=headers)
    assert recorded.status_code == 201, recorded.text
    assert (await Refund.get()).notice_at is None
    sweep = {"redis": arq_redis, "settings": settings}
    assert await owed_refunds(sweep) == 0  # a job just enqueued gets its minute to run first
    await Refund.all().update(created_at=utcnow() - timedelta(minutes=2))
    assert await owed_refunds(sweep) == 1
    assert await owed_refunds(sweep) == 0
    await run_worker(settings, arq_redis)
    assert await owed_refunds(sweep) == 0
    notices = [e for e in stub.emails if "refund" in e.json["subject"]]
    assert [e.json["subject"] for e in notices] == ["Your refund for order A-1001 has been issued"]
    rows = await Notification.filter(trigger="refund_issued").values_list("channel", "status")
    assert sorted(rows) == [("email", "sent"), ("sms", "skipped")]  # SMS: the brand's policy


async def test_the_order_page_is_served_while_redis_is_down(client_with_own_redis):
    """Each shopper page asks Redis whether a brand changed elsewhere; without Redis it is
    served all the same, from the brand kept in the process."""
    client, redis, _ = client_with_own_redis
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN-1")
    redis.kill()
    redis.wait()
    page = await client.get(f"/o/{order.access_token}", headers={"host": "track.example.com"})
    assert page.status_code == 200 and "A-1001" in page.text


async def test_metrics_answer_only_the_bearer_of_the_metrics_token(client):
    for refused in ({}, bearer("not-the-metrics-token"), {"Authorization": METRICS_TOKEN}):
        response = await client.get("/metrics", headers=refused)
        assert response.status_code == 401, refused
        assert response.headers["www-authenticate"] == "Bearer"
        assert "porchlight_" not in response.text
    answered = await client.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert answered.status_code == 200 and "porchlight_queue_depth" in answered.text


async def test_without_a_metrics_token_metrics_answer_nobody(settings, arq_redis):
    unset = settings.model_copy(update={"metrics_token": None})
    async with LifespanManager(create_app(unset)) as manager, client_for(manager.app) as client:
        response = await client.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert response.status_code == 403
    assert "porchlight_" not in response.text


async def test_metrics_count_webhooks_by_outcome_and_show_queue_depth(client):
    body = easypost_event("TN1", journey("pre_transit", "in_transit"))
    await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    await client.post("/hooks/easypost", content=body)
    text = (await client.get("/metrics", headers=bearer(METRICS_TOKEN))).text
    assert 'porchlight_webhooks_total{outcome="accepted",source="easypost"}' in text
    assert 'porchlight_webhooks_total{outcome="unauthenticated",source="easypost"}' in text
    assert "porchlight_queue_depth 1" in text


async def test_metrics_show_notifications_by_channel_and_overdue_cases(client):
    from datetime import timedelta

    from porchlight.cases.cases import open_or_join
    from porchlight.enums import CaseSource, ExceptionType
    from porchlight.models import Case, Customer, Notification, Shipment
    from porchlight.platform.clock import utcnow
    from tests.factories import a_brand, an_order

    brand, _ = await a_brand()
    order = await an_order(brand, "A-1", "TN1")
    shipment = await Shipment.get(order=order)
    customer = await Customer.get(id=order.customer_id)
    rows = (
        ("shipped", "email", "sent"),
        ("delivered", "email", "sent"),
        ("delivered", "sms", "failed"),
    )
    for trigger, channel, status in rows:
        await Notification.create(
            brand=brand,
            shipment=shipment,
            customer=customer,
            trigger=trigger,
            channel=channel,
            recipient="x",
            status=status,
            due_at=utcnow(),
        )
    case, _ = await open_or_join(shipment, ExceptionType.FAILED_ATTEMPT, CaseSource.CARRIER)
    await Case.filter(id=case.id).update(next_due_at=utcnow() - timedelta(hours=1))
    text = (await client.get("/metrics", headers=bearer(METRICS_TOKEN))).text
    assert 'porchlight_notifications_24h{channel="email",status="sent"} 2' in text
    assert 'porchlight_notifications_24h{channel="sms",status="failed"} 1' in text
    assert "porchlight_cases_open 1" in text
    assert "porchlight_cases_overdue 1" in text


async def test_each_request_logs_one_json_line_with_its_request_id(client, capsys):
    configure()
    try:
        response = await client.get("/healthz?token=secret", headers={"X-Request-ID": "abc-123"})
    finally:
        logging.getLogger().handlers.clear()
    assert response.headers["x-request-id"] == "abc-123"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    [entry] = [line for line in lines if line.get("message") == "request"]
    assert entry["correlation_id"] == "abc-123"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    ours = [line for line in lines if line["logger"].startswith("porchlight")]
    assert "secret" not in json.dumps(ours)  # query strings can carry tokens: never logged


async def test_a_sampled_request_log_still_logs_every_error_and_every_post(settings, capsys):
    quiet = settings.model_copy(update={"request_log_sample": 0.0})
    await a_brand()
    configure()
    try:
        async with LifespanManager(create_app(quiet)) as manager, client_for(manager.app) as c:
            assert (await c.get("/healthz")).status_code == 200
            assert (await c.get("/nowhere")).status_code == 404
            assert (await c.post("/track", data={})).status_code == 403
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    logged = [(r["method"], r["path"], r["status"]) for r in lines if r.get("message") == "request"]
    assert logged == [("GET", "/nowhere", 404), ("POST", "/track", 403)]


def test_a_request_line_written_directly_reads_as_one_logging_would_write(capsys):
    from porchlight.platform.logs import correlation_id, info_line

    fields = {"method": "GET", "path": "/o/{token}", "status": 304, "duration_ms": 1.25}
    request_log = logging.getLogger("porchlight.request")
    configure()
    own = correlation_id.set("abc-123")
    try:
        info_line(request_log, "request", fields)  # only the installed handler: written directly
        kept: list[logging.LogRecord] = []
        other = logging.Handler()
        other.emit = kept.append  # type: ignore[method-assign]
        logging.getLogger().addHandler(other)  # an operator's own: a record, as logging makes it
        info_line(request_log, "request", fields)
    finally:
        correlation_id.reset(own)
        logging.getLogger().handlers.clear()
    direct, through_logging = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert direct.pop("time")[:10] == through_logging.pop("time")[:10]
    assert direct == through_logging
    assert direct == {
        "level": "INFO",
        "logger": "porchlight.request",
        "message": "request",
        "correlation_id": "abc-123",
        **fields,
    }
    [record] = kept
    assert (record.getMessage(), record.path, record.status) == ("request", "/o/{token}", 304)


async def test_a_log_that_cannot_be_written_still_lets_the_request_answer(client, capsys):
    import io

    configure()
    [handler] = logging.getLogger().handlers
    closed = io.StringIO()
    closed.close()
    handler.setStream(closed)  # type: ignore[attr-defined]  # say, a log pipe gone
    try:
        response = await client.get("/healthz")
    finally:
        logging.getLogger().handlers.clear()
    assert response.status_code == 200
    assert "Logging error" in capsys.readouterr().err  # said where logging says it


async def test_request_ids_made_here_are_16_hex_digits_and_never_repeat(client):
    ids = [(await client.get("/healthz")).headers["x-request-id"] for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


async def test_a_redis_restart_mid_burst_loses_no_scan_and_sends_nothing_twice(settings, tmp_path):
    from arq import create_pool
    from arq.connections import RedisSettings

    from notifier.tracking import reconcile
    from porchlight.models import Customer, Notification, Shipment
    from tests.factories import a_brand, an_order, deliver_scans
    from tests.worker_run import run_worker

    redis, port = start_redis(tmp_path)
    own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    brand, _ = await a_brand()
    parcels = [f"RR{n}" for n in range(8)]
    for n, tracking in enumerate(parcels):
        await an_order(brand, f"R-{n}", tracking, customer={"email": f"r{n}@example.com"})
    await Customer.all().update(quiet_hours_start=0, quiet_hours_end=0, quiet_hours_chosen=True)
    waves = [["pre_transit", "in_transit"], ["pre_transit", "in_transit", "out_for_delivery"]]
    waves.append([*waves[1], "delivered"])
    try:
        async with LifespanManager(create_app(own)) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://track.example.com"
            ) as c:
                for tracking in parcels:
                    await deliver_scans(c, tracking, *waves[0])
                redis.kill()  # Redis goes away with the first wave's jobs: they are lost
                redis.wait()
                for tracking in parcels:
                    await deliver_scans(c, tracking, *waves[1])  # stored, nothing enqueued
                redis, _ = start_redis(tmp_path, port)  # back, empty
                for tracking in parcels:
                    await deliver_scans(c, tracking, *waves[2])
        pool = await create_pool(RedisSettings.from_dsn(own.redis_url))
        try:
            ctx = {"redis": pool, "settings": own}
            await reconcile(ctx)  # what the worker runs at start and every five minutes
            await run_worker(own, pool)
            await reconcile(ctx)
            await run_worker(own, pool)
        finally:
            await pool.aclose()
    finally:
        redis.kill()
        redis.wait()
    assert await TrackingEvent.filter(tracking_number__startswith="RR").count() == 8 * 4
    assert set(await Shipment.all().values_list("status", flat=True)) == {"delivered"}
    delivered = await Notification.filter(trigger="delivered", channel="email")
    assert len(delivered) == 8 and {n.status for n in delivered} == {"sent"}


def test_a_postgresql_url_leaves_no_folder_behind(tmp_path, monkeypatch):
    from porchlight.platform.db import _ensure_sqlite_dir

    monkeypatch.chdir(tmp_path)
    _ensure_sqlite_dir("postgres://porchlight:secret@db:5432/porchlight")
    assert list(tmp_path.iterdir()) == []
    _ensure_sqlite_dir("sqlite://var/data/porchlight.sqlite3")
    assert (tmp_path / "var" / "data").is_dir()


def test_each_process_may_hold_ten_postgresql_connections_unless_the_url_says():
    def pool_size(url: str) -> int:
        return int(tortoise_config(url)["connections"]["default"]["credentials"]["maxsize"])

    assert pool_size("postgres://porchlight@db:5432/porchlight") == 10
    assert pool_size("postgres://porchlight@db:5432/porchlight?maxsize=40") == 40


def test_the_embedded_database_waits_for_the_lock_unless_the_url_says():
    def pragmas(url: str) -> dict[str, object]:
        return dict(tortoise_config(url)["connections"]["default"]["credentials"])

    assert pragmas("sqlite://var/p.sqlite3") == {
        "file_path": "var/p.sqlite3",
        "journal_mode": "WAL",
        "journal_size_limit": 16384,
        "busy_timeout": 30_000,
        "synchronous": "NORMAL",
    }
    assert pragmas("sqlite://var/p.sqlite3?synchronous=FULL&busy_timeout=5000")["synchronous"] == (
        "FULL"
    )


def test_a_served_process_keeps_its_start_up_objects_out_of_full_collections(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path}/db.sqlite3",
        "SECRET_KEY": "a-secret-key-for-this-test",
    }
    frozen = subprocess.run(
        [sys.executable, "-c", "import gc, portal.main; print(gc.get_freeze_count())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert int(frozen) > 10_000
