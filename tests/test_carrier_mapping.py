"""Each aggregator's vocabulary maps onto ours, read from the bodies they really send."""

import contextlib
import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers, QueryParams

from porchlight.carriers import aftership, easypost, shippo
from porchlight.carriers.base import MalformedPayload
from porchlight.enums import ShipmentStatus
from porchlight.platform.settings import Settings
from tests.conftest import FIXTURES

ADAPTERS = [easypost.adapter, aftership.adapter, shippo.adapter]
SETTINGS = Settings(
    secret_key="x" * 32,
    easypost_webhook_secret="sécret",
    aftership_webhook_secret="as-secret",
    shippo_webhook_token="tok",
)


def fixture_bytes(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes().rstrip(b"\n")


def aftership_body(tracking: dict) -> bytes:
    return json.dumps(
        {"event": "tracking_update", "event_id": "e-1", "msg": tracking, "ts": 1}
    ).encode()


def test_easypost_signature_matches_the_published_test_vector():
    body = fixture_bytes("easypost", "event_tracker_updated_fedex_fixture.json")
    signature = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"
    assert easypost.adapter.verify(
        SETTINGS, Headers({"X-Hmac-Signature": signature}), QueryParams(), body
    )
    # The secret must be NFKD-normalised: composed "é" alone gives another digest.
    assert not easypost.adapter.verify(
        SETTINGS, Headers({"X-Hmac-Signature": signature}), QueryParams(), body + b" "
    )


def test_an_unconfigured_secret_refuses_everything():
    bare = Settings(secret_key="x" * 32)
    for adapter in ADAPTERS:
        assert not adapter.verify(bare, Headers({}), QueryParams("token="), b"{}")


def test_the_recorded_easypost_tracker_update_becomes_seven_scans():
    events = easypost.adapter.parse(
        fixture_bytes("easypost", "event_tracker_updated_fedex_fixture.json")
    )
    assert len(events) == 7
    first = events[0]
    assert (first.tracking_number, first.carrier) == ("1", "fedex")
    assert first.status == ShipmentStatus.LABEL_CREATED
    assert first.carrier_status == "pre_transit"
    assert first.carrier_substatus == "label_created"
    assert first.message == "Shipment information sent to FedEx"
    assert first.occurred_at == datetime(2024, 7, 31, 15, 0, tzinfo=UTC)
    assert first.location == {"country": "US", "postcode": "32837"}
    assert first.estimated_delivery == date(2024, 8, 5)
    assert events[1].location["city"] == "ORLANDO"
    assert {e.status for e in events} <= {
        ShipmentStatus.LABEL_CREATED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
    }


def test_an_easypost_tracker_without_details_still_reports_its_status():
    tracker = json.loads(fixture_bytes("easypost", "tracker_retrieve_usps_docs.json"))
    tracker["tracking_details"] = []
    body = json.dumps({"description": "tracker.created", "result": tracker}).encode()
    [event] = easypost.adapter.parse(body)
    assert event.status == ShipmentStatus.LABEL_CREATED
    assert event.tracking_number == "EZ1000000001"


def test_easypost_events_that_are_not_about_trackers_are_accepted_and_ignored():
    body = json.dumps({"description": "batch.updated", "result": {"id": "batch_1"}}).encode()
    assert easypost.adapter.parse(body) == []


def test_the_recorded_aftership_tracking_keeps_the_carriers_local_times():
    tracking = json.loads(fixture_bytes("aftership", "get_tracking_result_fedex_delivered.json"))
    events = aftership.adapter.parse(aftership_body(tracking["data"]["tracking"]))
    assert len(events) == 14
    assert events[0].status == ShipmentStatus.LABEL_CREATED
    assert events[0].occurred_at.utcoffset().total_seconds() == -5 * 3600
    last = events[-1]
    assert last.status == ShipmentStatus.DELIVERED
    assert (last.carrier_status, last.carrier_substatus) == ("Delivered", "Delivered_001")
    assert last.occurred_at == datetime(2018, 7, 25, 1, 10, tzinfo=UTC)
    assert last.location["country"] == "JPN"
    assert last.estimated_delivery == date(2022, 1, 5)  # latest_estimated_delivery


def test_an_aftership_tracking_with_no_checkpoints_reports_its_tag():
    listing = json.loads(fixture_bytes("aftership", "get_trackings_v4_three_trackings.json"))
    expired = listing["data"]["trackings"][1]
    [event] = aftership.adapter.parse(aftership_body(expired))
    assert event.status == ShipmentStatus.UNKNOWN
    assert event.carrier_status == "Expired"


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("Exception", "Exception_010", ShipmentStatus.RETURNING_TO_SENDER),
        ("Exception", "Exception_011", ShipmentStatus.RETURNED),
        ("Exception", "Exception_012", ShipmentStatus.EXCEPTION),
        ("Exception", "Exception_021", ShipmentStatus.EXCEPTION),  # added 2026-03: maps by its tag
        ("AttemptFail", "AttemptFail_099", ShipmentStatus.FAILED_ATTEMPT),
        ("SomethingNew", "SomethingNew_001", ShipmentStatus.UNKNOWN),
    ],
)
def test_aftership_subtags_refine_their_tag_and_unknown_ones_fall_back(tag, subtag, expected):
    assert aftership.canonical(tag, subtag) == expected


def test_the_recorded_shippo_track_is_read_with_its_current_status_once():
    track = json.loads(fixture_bytes("shippo", "track_test_get_status_usps_delivered.json"))
    body = json.dumps({"event": "track_updated", "test": False, "data": track}).encode()
    events = shippo.adapter.parse(body)
    assert len(events) == 11  # tracking_status repeats the last history entry
    assert events[0].status == ShipmentStatus.UNKNOWN
    assert events[-1].status == ShipmentStatus.DELIVERED
    assert events[-1].location == {
        "city": "Berkeley",
        "state": "CA",
        "postcode": "94705",
        "country": "US",
    }
    assert events[-1].estimated_delivery == date(2016, 12, 8)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        ("TRANSIT", "out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY),
        ("TRANSIT", "pickup_available", ShipmentStatus.AVAILABLE_FOR_PICKUP),
        ("FAILURE", "delivery_attempted", ShipmentStatus.FAILED_ATTEMPT),
        ("TRANSIT", "return_to_sender", ShipmentStatus.RETURNING_TO_SENDER),
        ("DELIVERED", "information_received", ShipmentStatus.DELIVERED),
        ("PRE_TRANSIT", "information_received", ShipmentStatus.LABEL_CREATED),
    ],
)
def test_shippo_substatus_refines_the_status(status, code, expected):
    assert shippo.canonical(status, code) == expected


def test_every_vendor_status_maps_onto_a_canonical_status():
    tables = [
        easypost.STATUS,
        easypost.DETAIL,
        aftership.TAG,
        aftership.SUBTAG,
        shippo.STATUS,
        shippo.SUBSTATUS,
    ]
    for table in tables:
        assert all(isinstance(v, ShipmentStatus) for v in table.values())
    assert set(easypost.STATUS) == {
        "unknown",
        "pre_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "available_for_pickup",
        "return_to_sender",
        "failure",
        "cancelled",
        "error",
    }
    assert set(aftership.TAG) == {
        "InfoReceived",
        "InTransit",
        "OutForDelivery",
        "AttemptFail",
        "Delivered",
        "AvailableForPickup",
        "Exception",
        "Expired",
        "Pending",
    }
    assert set(shippo.STATUS) == {
        "UNKNOWN",
        "PRE_TRANSIT",
        "TRANSIT",
        "DELIVERED",
        "RETURNED",
        "FAILURE",
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


def _parse_or_refuse(adapter, body: bytes) -> None:
    with contextlib.suppress(MalformedPayload):  # the one refusal allowed
        assert isinstance(adapter.parse(body), list)


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_bytes_are_parsed_or_refused_cleanly(body):
    for adapter in ADAPTERS:
        _parse_or_refuse(adapter, body)


@settings(max_examples=150, deadline=None)
@given(value=json_values, wrap=st.sampled_from(["result", "msg", "data"]))
def test_any_json_in_any_envelope_is_parsed_or_refused_cleanly(value, wrap):
    envelope = {"description": "tracker.updated", "event": "track_updated", wrap: value}
    for adapter in ADAPTERS:
        _parse_or_refuse(adapter, json.dumps(envelope).encode())
        inner = {
            "tracking_code": "1",
            "tracking_number": "1",
            "tracking_details": value,
            "checkpoints": value,
            "tracking_history": value,
            "tracking_status": value,
        }
        _parse_or_refuse(adapter, json.dumps({**envelope, wrap: inner}).encode())
