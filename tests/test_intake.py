"""Carrier webhooks: verified, stored exactly once, and never moving a parcel backwards."""

import asyncio
import json
from datetime import date

import pytest
from tortoise.exceptions import IncompleteInstanceError

from notifier.tracking import reconcile
from porchlight.models import DeliveryEstimate, Shipment, TrackingEvent
from porchlight.platform.sql import rows_in
from porchlight.tracking import derive
from tests.conftest import FIXTURES
from tests.factories import (
    T0,
    a_brand,
    aftership_headers,
    bearer,
    easypost_event,
    easypost_headers,
    journey,
    order_payload,
    scans,
)
from tests.worker_run import run_worker


async def post_easypost(client, body: bytes):
    return await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))


async def registered_parcel(client) -> str:
    """Order A-1 with parcel TN1 on a brand; that brand's API key."""
    _, key = await a_brand()
    await client.post("/api/v1/orders", json=order_payload("A-1", "TN1"), headers=bearer(key))
    return key


async def test_the_recorded_easypost_webhook_is_accepted_and_stored(client):
    body = (
        (FIXTURES / "easypost" / "event_tracker_updated_fedex_fixture.json")
        .read_bytes()
        .rstrip(b"\n")
    )
    response = await post_easypost(client, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 7}
    assert await TrackingEvent.filter(tracking_number="1").count() == 7


async def test_a_replayed_webhook_adds_nothing(client):
    body = easypost_event("TN1", journey("pre_transit", "in_transit", "out_for_delivery"))
    for _ in range(3):
        assert (await post_easypost(client, body)).status_code == 200
    assert await TrackingEvent.all().count() == 3


async def test_a_full_history_resent_with_one_new_scan_adds_only_that_scan(client):
    await post_easypost(client, easypost_event("TN1", journey("pre_transit", "in_transit")))
    await post_easypost(
        client, easypost_event("TN1", journey("pre_transit", "in_transit", "delivered"))
    )
    assert await TrackingEvent.all().count() == 3


async def test_identical_webhooks_arriving_at_the_same_moment_are_stored_once(client):
    body = easypost_event("TN1", journey("pre_transit", "in_transit", "out_for_delivery"))
    responses = await asyncio.gather(*(post_easypost(client, body) for _ in range(8)))
    assert {r.status_code for r in responses} == {200}
    assert await TrackingEvent.all().count() == 3


async def test_a_late_stale_webhook_does_not_move_the_parcel_backwards(client, settings, arq_redis):
    key = await registered_parcel(client)
    newest = journey("pre_transit", "in_transit", "out_for_delivery", "delivered")
    await post_easypost(client, easypost_event("TN1", newest))
    await post_easypost(client, easypost_event("TN1", newest[:2]))  # arrives last, is older
    await run_worker(settings, arq_redis)
    shipment = await Shipment.get(tracking_number="TN1")
    assert shipment.status == "delivered"
    assert shipment.delivered_at == newest[-1][2]
    assert shipment.first_scan_at == newest[1][2]
    read = await client.get("/api/v1/orders/A-1", headers=bearer(key))
    assert read.json()["parcels"][0]["status"] == "delivered"


async def test_equal_carrier_times_break_ties_by_progress_not_arrival(client, settings, arq_redis):
    await registered_parcel(client)
    await post_easypost(client, easypost_event("TN1", [("delivered", "Delivered", T0)]))
    await post_easypost(client, easypost_event("TN1", [("out_for_delivery", "On van", T0)]))
    await run_worker(settings, arq_redis)
    assert (await Shipment.get(tracking_number="TN1")).status == "delivered"


async def test_an_event_for_an_unregistered_parcel_is_kept_and_attaches_later(client):
    await post_easypost(client, easypost_event("TN-EARLY", journey("pre_transit", "in_transit")))
    assert await TrackingEvent.filter(tracking_number="TN-EARLY").count() == 2
    _, key = await a_brand()
    response = await client.post(
        "/api/v1/orders", json=order_payload("A-1", "tn-early"), headers=bearer(key)
    )
    parcel = response.json()["parcels"][0]
    assert parcel["status"] == "in_transit"
    assert [e["status"] for e in parcel["events"]] == ["label_created", "in_transit"]
    assert (await Shipment.get()).status == "in_transit"
    assert parcel["estimated_delivery"] == "2026-12-04"


async def test_intake_enqueues_one_follow_up_job_per_tracking_number(client, arq_redis):
    body = easypost_event("TN1", journey("pre_transit", "in_transit"))
    await post_easypost(client, body)
    await post_easypost(client, body)  # a replay folds into the same job
    jobs = await arq_redis.queued_jobs()
    assert [(j.function, j.args) for j in jobs] == [("refresh_tracking", ("TN1",))]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hmac-Signature": "hmac-sha256-hex=" + "0" * 64},
        {"X-Hmac-Signature": "garbage"},
    ],
)
async def test_a_bad_or_missing_easypost_signature_is_refused(client, headers):
    body = easypost_event("TN1", journey("pre_transit"))
    response = await client.post("/hooks/easypost", content=body, headers=headers)
    assert response.status_code == 403
    assert await TrackingEvent.all().count() == 0


async def test_a_signature_made_with_another_secret_is_refused(client):
    body = easypost_event("TN1", journey("pre_transit"))
    response = await client.post(
        "/hooks/easypost", content=body, headers=easypost_headers(body, secret="other")
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b'{"description":"tracker.updated","result":{"tracking_code":"1"',  # truncated
        b"\xff\xfe not utf-8",
        b"[]",
        b'{"description":"tracker.updated","result":{"tracking_code":12345,"tracking_details":"x"}}',
        b'{"description":"tracker.updated","result":{"tracking_code":"1","tracking_details":'
        b'[{"status":"in_transit","datetime":"yesterday"}]}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
async def test_a_malformed_body_with_a_valid_signature_gets_a_json_400(client, body):
    response = await post_easypost(client, body)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_a_body_over_one_mebibyte_is_refused_with_413(client):
    body = b"{" + b" " * (1024 * 1024) + b"}"
    response = await post_easypost(client, body)
    assert response.status_code == 413


async def test_aftership_webhooks_are_verified_with_their_own_scheme(client):
    tracking = json.loads(
        (FIXTURES / "aftership" / "get_tracking_result_fedex_delivered.json").read_text()
    )
    envelope = {
        "event": "tracking_update",
        "event_id": "6f7c5a0e-0000-4000-8000-000000000001",
        "is_tracking_first_tag": False,
        "msg": tracking["data"]["tracking"],
        "ts": 1700000000,
    }
    body = json.dumps(envelope).encode()
    ok = await client.post("/hooks/aftership", content=body, headers=aftership_headers(body))
    assert ok.status_code == 200, ok.text
    assert ok.json()["accepted"] == len(tracking["data"]["tracking"]["checkpoints"])
    forged = await client.post(
        "/hooks/aftership", content=body, headers=aftership_headers(body, secret="guess")
    )
    assert forged.status_code == 403


async def test_shippo_webhooks_need_the_shared_token(client):
    track = json.loads(
        (FIXTURES / "shippo" / "track_test_get_status_usps_delivered.json").read_text()
    )
    body = json.dumps({"event": "track_updated", "test": False, "data": track}).encode()
    assert (await client.post("/hooks/shippo?token=wrong", content=body)).status_code == 403
    assert (await client.post("/hooks/shippo", content=body)).status_code == 403
    ok = await client.post("/hooks/shippo?token=shippo-token", content=body)
    assert ok.status_code == 200, ok.text
    assert await TrackingEvent.filter(source="shippo").count() == ok.json()["accepted"] > 0


async def test_the_worker_reconciles_events_whose_job_was_lost(client, settings, arq_redis):
    await registered_parcel(client)
    await post_easypost(client, easypost_event("TN1", journey("pre_transit", "in_transit")))
    await arq_redis.flushdb()  # the follow-up job is lost, as when Redis restarts empty
    await run_worker(settings, arq_redis)
    assert (await Shipment.get()).status == "unknown"
    assert await reconcile({"redis": arq_redis, "settings": settings}) == 1  # also at startup
    assert (await Shipment.get()).status == "in_transit"


async def test_the_same_scans_with_a_new_date_move_the_estimate_and_store_no_scan_twice(
    client, settings, arq_redis
):
    key = await registered_parcel(client)
    scans = journey("pre_transit", "in_transit")
    await post_easypost(client, easypost_event("TN1", scans))
    await run_worker(settings, arq_redis)
    later = easypost_event("TN1", scans, est_delivery="2026-12-09T00:00:00Z")
    for _ in range(2):  # the carrier's new date, then a replay of it
        assert (await post_easypost(client, later)).status_code == 200
    await run_worker(settings, arq_redis)
    assert await TrackingEvent.all().count() == 2
    assert (await Shipment.get()).estimated_delivery == date(2026, 12, 9)
    read = await client.get("/api/v1/orders/A-1", headers=bearer(key))
    assert read.json()["parcels"][0]["estimated_delivery"] == "2026-12-09"


async def test_an_older_history_arriving_late_does_not_bring_back_its_date(
    client, settings, arq_redis
):
    await registered_parcel(client)
    newest = journey("pre_transit", "in_transit", "out_for_delivery")
    await post_easypost(client, easypost_event("TN1", newest, est_delivery="2026-12-09T00:00:00Z"))
    await post_easypost(client, easypost_event("TN1", newest[:2]))  # older: due 4 December
    await run_worker(settings, arq_redis)
    assert (await Shipment.get()).estimated_delivery == date(2026, 12, 9)


async def test_a_retried_older_body_with_the_same_scans_does_not_bring_back_its_date(
    client, settings, arq_redis
):
    await registered_parcel(client)
    scans = journey("pre_transit", "in_transit")
    first = easypost_event("TN1", scans, updated_at="2026-11-30T18:00:00Z")  # due on the 4th
    moved = easypost_event(
        "TN1", scans, est_delivery="2026-12-09", updated_at="2026-12-01T08:00:00Z"
    )
    for body in (first, moved, first):  # the first delivery retried after the second
        assert (await post_easypost(client, body)).status_code == 200
    await run_worker(settings, arq_redis)
    assert (await Shipment.get()).estimated_delivery == date(2026, 12, 9)


async def test_dates_stored_with_scans_before_they_had_a_table_still_count(
    client, settings, arq_redis
):
    await registered_parcel(client)
    newest = journey("pre_transit", "in_transit", "out_for_delivery")
    await post_easypost(client, easypost_event("TN1", newest, est_delivery="2026-12-09"))
    await DeliveryEstimate.all().delete()  # as for scans stored before the upgrade
    await post_easypost(client, easypost_event("TN1", newest[:2]))  # late, older: the 4th
    await run_worker(settings, arq_redis)
    assert (await Shipment.get()).estimated_delivery == date(2026, 12, 9)


async def test_a_new_date_whose_job_was_lost_is_reconciled(client, settings, arq_redis):
    await registered_parcel(client)
    scans = journey("pre_transit", "in_transit")
    await post_easypost(client, easypost_event("TN1", scans))
    await run_worker(settings, arq_redis)
    await post_easypost(client, easypost_event("TN1", scans, est_delivery="2026-12-09T00:00:00Z"))
    await arq_redis.flushdb()  # the follow-up job is lost, as when Redis restarts empty
    assert await reconcile({"redis": arq_redis, "settings": settings}) == 1
    assert (await Shipment.get()).estimated_delivery == date(2026, 12, 9)


async def test_a_late_scan_that_changes_nothing_is_derived_once_not_on_every_reconcile(
    client, settings, arq_redis, monkeypatch
):
    await registered_parcel(client)
    history = journey("pre_transit", "in_transit", "in_transit", "out_for_delivery")
    await post_easypost(client, easypost_event("TN1", [history[0], history[1], history[3]]))
    await run_worker(settings, arq_redis)
    await post_easypost(client, easypost_event("TN1", history[2:3]))  # late, in the middle
    await run_worker(settings, arq_redis)
    derived: list[str] = []
    original = derive.refresh_tracking_number

    async def counted(number: str) -> list[derive.Change]:
        derived.append(number)
        return await original(number)

    monkeypatch.setattr(derive, "refresh_tracking_number", counted)
    assert await reconcile({"redis": arq_redis, "settings": settings}) == 0
    assert derived == []  # its job derived it already: nothing looks lost


def _mutations(document: object) -> list[object]:
    """The document with each value in turn swapped for a wrong type, dropped or emptied."""
    results: list[object] = []
    if isinstance(document, dict):
        for key, value in document.items():
            for replacement in (None, 12, "x", [], {}, True):
                results.append({**document, key: replacement})
            results.append({k: v for k, v in document.items() if k != key})
            results += [{**document, key: inner} for inner in _mutations(value)[:20]]
    elif isinstance(document, list) and document:
        results += [[inner, *document[1:]] for inner in _mutations(document[0])[:40]]
    return results


@pytest.mark.parametrize("hook", ["easypost", "aftership", "shippo"])
async def test_no_signed_body_however_broken_gets_a_500(client, hook):
    fixture = {
        "easypost": FIXTURES / "easypost" / "event_tracker_updated_fedex_fixture.json",
        "aftership": FIXTURES / "aftership" / "get_tracking_result_fedex_delivered.json",
        "shippo": FIXTURES / "shippo" / "track_test_get_status_usps_delivered.json",
    }[hook]
    document = json.loads(fixture.read_text())
    if hook == "aftership":
        document = {"event": "tracking_update", "msg": document["data"]["tracking"], "ts": 1}
    if hook == "shippo":
        document = {"event": "track_updated", "test": False, "data": document}
    raw = json.dumps(document).encode()
    bodies = [raw[:cut] for cut in range(0, len(raw), 97)]
    bodies += [json.dumps(m).encode() for m in _mutations(document)]
    statuses = set()
    for body in bodies:
        headers = {
            "easypost": easypost_headers(body),
            "aftership": aftership_headers(body),
            "shippo": {},
        }[hook]
        url = f"/hooks/{hook}" + ("?token=shippo-token" if hook == "shippo" else "")
        response = await client.post(url, content=body, headers=headers)
        statuses.add(response.status_code)
        assert response.status_code in (200, 400), (response.status_code, body[:200])
    assert statuses == {200, 400}


async def test_scans_read_without_their_raw_bodies_cannot_be_saved_over_them():
    await scans("TN1", "pre_transit", "in_transit")
    first, *_ = await derive.events_for(["TN1"])
    assert not hasattr(first, "raw_payload") and first.tracking_number == "TN1"
    with pytest.raises(IncompleteInstanceError):
        await first.save()
    first.signed_by = "M. Muster"
    await first.save(update_fields=["signed_by"])  # what was read can still be written
    stored = await TrackingEvent.get(id=first.id)
    assert stored.signed_by == "M. Muster" and stored.raw_payload


async def test_scans_and_dates_read_without_the_orms_query_building_are_the_orms_rows():
    await scans("TN1", "pre_transit", "in_transit", "delivered")
    await scans("TN2", "pre_transit")  # EasyPost bodies carry a delivery date too

    def rows(models: list) -> list[dict]:
        return sorted(({f: getattr(m, f) for f in m._meta.fields_map} for m in models), key=str)

    numbers = ["TN1", "TN2", "TN-unknown"]
    for model in (TrackingEvent, DeliveryEstimate):
        read = await rows_in(model, "tracking_number", numbers)
        orms = await model.filter(tracking_number__in=numbers).order_by("id")
        assert rows(read) == rows(orms)
        assert read and all(isinstance(m, model) for m in read)
        # built as the ORM builds them: the same attributes, its bookkeeping included
        assert [vars(m) for m in sorted(read, key=lambda m: m.pk)] == [vars(m) for m in orms]
    assert await rows_in(TrackingEvent, "tracking_number", []) == []
    with pytest.raises(ValueError, match="no column"):
        await rows_in(TrackingEvent, "1=1 OR tracking_number", ["x"])
