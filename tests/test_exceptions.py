"""The exception engine: carrier signals open cases, silence is found by the sweep, each
problem has one open case, and cases follow their rules."""

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from porchlight.cases import cases
from porchlight.cases.business_hours import Calendar
from porchlight.cases.sweep import sweep
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Agent, Case, CaseEntry, Shipment
from tests.factories import (
    a_brand,
    an_order,
    deliver_scans,
    easypost_event,
    easypost_headers,
    journey,
    scans,
)
from tests.worker_run import run_worker

NOW = datetime.now(UTC)


async def a_lead() -> Agent:
    return await Agent.create(email="lead@example.com", password_hash="x", role="lead")


async def carrier_says(client, tracking, *details):
    body = easypost_event(tracking, list(details))
    response = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert response.status_code == 200


def attempt(hours_ago: float, note: str = "No one home") -> tuple[str, str, datetime, str]:
    return ("in_transit", note, NOW - timedelta(hours=hours_ago), "delivery_attempted")


def scan(status: str, hours_ago: float) -> tuple[str, str, datetime]:
    return (status, f"scan: {status}", NOW - timedelta(hours=hours_ago))


async def test_a_failed_delivery_attempt_opens_a_case_and_a_second_one_joins_it(
    client, settings, arq_redis
):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    await carrier_says(client, "TN1", scan("pre_transit", 30), attempt(20))
    await run_worker(settings, arq_redis)
    [case] = await Case.all()
    assert (case.type, case.state, case.source) == ("failed_attempt", "open", "carrier")
    assert case.sla_due_at is not None and case.resolution_due_at > case.sla_due_at
    assert case.priority_flags == ["vip", "first_time_buyer"]  # her first order with the brand

    await carrier_says(client, "TN1", scan("out_for_delivery", 5), attempt(4, "Gate locked"))
    await run_worker(settings, arq_redis)
    assert await Case.all().count() == 1
    assert await CaseEntry.filter(case=case, kind="signal:carrier").count() == 2


async def test_a_replayed_failed_attempt_does_not_join_twice(client, settings, arq_redis):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    for _ in range(2):
        await carrier_says(client, "TN1", scan("pre_transit", 30), attempt(20))
        await run_worker(settings, arq_redis)
    assert await CaseEntry.filter(kind="signal:carrier").count() == 1


async def test_a_damaged_parcel_opens_a_damage_case(client, settings, arq_redis):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    await carrier_says(
        client,
        "TN1",
        ("failure", "Shipment damaged in transit", NOW - timedelta(hours=3), "damaged"),
    )
    await run_worker(settings, arq_redis)
    [case] = await Case.all()
    assert case.type == "damage_reported"


async def test_a_stalled_parcel_is_found_by_the_sweep_exactly_once():
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit", start=NOW - timedelta(days=5))
    await scans("TN2", "pre_transit", "in_transit", start=NOW - timedelta(hours=20))
    first = await sweep()
    assert first.opened["stalled_in_transit"] == 1
    [case] = await Case.filter(type="stalled_in_transit").select_related("shipment")
    assert case.shipment.tracking_number == "TN1"
    second = await sweep()
    assert second.lines() == ["nothing new"]
    await cases.close(case, "carrier_delay", await a_lead())
    assert (await sweep()).lines() == ["nothing new"], "a closed case is not reopened"


async def test_stalled_thresholds_are_per_carrier():
    brand, _ = await a_brand()
    brand.settings = {"exception_thresholds": {"stalled_days_by_carrier": {"dhl": 10}}}
    await brand.save()
    await an_order(brand, "A-1001", "TN1")
    await Shipment.filter(tracking_number="TN1").update(carrier="dhl")
    await scans("TN1", "pre_transit", "in_transit", start=NOW - timedelta(days=5))
    assert (await sweep()).lines() == ["nothing new"]


async def test_a_label_never_scanned_is_found_and_delivery_closes_it_as_a_warehouse_miss():
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    await Shipment.filter(tracking_number="TN1").update(
        shipped_at=NOW - timedelta(hours=30), status="label_created"
    )
    report = await sweep()
    assert report.opened["no_first_scan"] == 1
    shipment = await Shipment.get(tracking_number="TN1")
    assert await cases.resolve_on_delivery(shipment) == 1
    case = await Case.get(type="no_first_scan")
    assert (case.state, case.close_code) == ("closed", "warehouse_miss")  # a late hand-over
    closing = await CaseEntry.get(case=case, kind="closed")
    assert "delivered" in closing.body and closing.author_id is None


async def test_an_estimate_past_the_promise_opens_a_delay_case_that_delivery_closes(
    client, settings, arq_redis
):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1", promised_delivery_date="2026-12-01")
    start = NOW - timedelta(days=1)
    body = easypost_event("TN1", journey("pre_transit", "in_transit", start=start))
    await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    await run_worker(settings, arq_redis)
    assert (await sweep()).opened["delay"] == 1
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "delivered", start=start)
    await run_worker(settings, arq_redis)
    assert (await Case.get(type="delay")).state == "closed"


def test_the_sla_clock_stops_for_the_weekend():
    calendar = Calendar(zone=ZoneInfo("Europe/Berlin"))
    friday_4pm = datetime(2026, 11, 27, 16, tzinfo=ZoneInfo("Europe/Berlin"))
    assert calendar.add(friday_4pm, timedelta(hours=4)) == datetime(
        2026, 11, 30, 12, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert calendar.end_of_day(friday_4pm + timedelta(hours=2)).date().isoformat() == "2026-11-30"


async def test_refunding_the_customer_does_not_close_the_case():
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    shipment = await Shipment.get(order=order)
    case, _ = await cases.open_or_join(
        shipment, ExceptionType.DAMAGE_REPORTED, CaseSource.SHOPPER, "Broken mug"
    )
    lead = await a_lead()
    await cases.customer_resolution(case, "refund", lead, amount="19.90", currency="eur")
    case = await Case.get(id=case.id)
    assert case.state == "open"
    assert case.customer_resolution["state"] == "resolved"
    assert case.customer_resolution["steps"][0]["amount"] == "19.90"
    assert case.first_action_at is not None
    with pytest.raises(cases.CaseError, match="close code"):
        await cases.close(case, "", lead)
    await cases.carrier_recovery(case, "claim_filed", lead, claim_number="CLM-1", amount="19.90")
    assert (await Case.get(id=case.id)).carrier_recovery["state"] == "open"
    with pytest.raises(cases.CaseError, match="claim is still open"):
        await cases.close(case, "damage", lead)
    await cases.close(case, "damage", lead, claim_stays_open=True)
    assert (await Case.get(id=case.id)).state == "closed"


async def test_the_sweep_command_prints_what_it_opened(settings):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit", start=NOW - timedelta(days=5))
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": "x" * 40,
        "REDIS_URL": settings.redis_url,
    }
    exe = Path(sys.executable).with_name("porchlight")
    process = await asyncio.create_subprocess_exec(
        str(exe), "sweep", env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert "stalled_in_transit: opened 1, joined 0" in out.decode()
    assert await Case.filter(type="stalled_in_transit").count() == 1
