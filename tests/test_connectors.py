"""Connectors: a Shopify store feeds orders in through signed webhooks, and each new parcel is
registered at the brand's aggregator account, so its scans come back on their own."""

import asyncio
import base64
import contextlib
import copy
import hashlib
import hmac
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr

from porchlight.carriers.base import MalformedPayload
from porchlight.connectors.accounts import connect_aggregator, connect_shopify
from porchlight.connectors.shopify import (
    TOPICS,
    Unmappable,
    fulfillment_shipments,
    order_in,
    refund_amount,
)
from porchlight.models import (
    AggregatorAccount,
    AuditEntry,
    Customer,
    Notification,
    Order,
    Refund,
    Shipment,
    ShopifyWebhook,
    StoreConnection,
    TrackerRegistration,
)
from tests.factories import (
    a_brand,
    bearer,
    easypost_event,
    easypost_headers,
    journey,
    order_payload,
)
from tests.test_carrier_mapping import json_values
from tests.worker_run import run_worker

SHOPIFY = Path(__file__).parent / "fixtures" / "shopify"
SHOP = "northwind.myshopify.com"
TOKEN = "shpat_test_token_0123"
SHOPIFY_SECRET = "shopify-webhook-secret-0123"
EASYPOST_KEY = "EZTK-brand-own-key-0123"
EASYPOST_SECRET = "brand-easypost-secret"


def recorded(name: str) -> dict[str, Any]:
    """The resource of a recorded body (tests/fixtures/shopify/SOURCE.txt), as a webhook has it."""
    [resource] = json.loads((SHOPIFY / f"{name}.json").read_text()).values()
    return resource  # type: ignore[no-any-return]


def shipped(order: dict[str, Any], company: str = "UPS") -> dict[str, Any]:
    """The recorded order with its fulfilment succeeded (the sample's failed) with a carrier."""
    order = copy.deepcopy(order)
    order["fulfillments"][0].update(status="success", tracking_company=company)
    return order


def consenting(order: dict[str, Any], email: bool = True, sms: bool = True) -> dict[str, Any]:
    """The recorded order with today's consent records and a valid phone number."""
    order = copy.deepcopy(order)
    state = {True: "subscribed", False: "not_subscribed"}
    order["customer"]["email_marketing_consent"] = {"state": state[email], "opt_in_level": None}
    order["customer"]["sms_marketing_consent"] = {"state": state[sms], "opt_in_level": None}
    order["customer"]["phone"] = "+16136120707"
    return order


def signed(
    body: bytes, topic: str, webhook_id: str, secret: str = SHOPIFY_SECRET
) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Shop-Domain": SHOP,
        "Content-Type": "application/json",
    }


async def deliver(client, topic: str, resource: dict[str, Any], webhook_id: str, **kw: Any):
    body = json.dumps(resource).encode()
    return await client.post(
        "/hooks/shopify/northwind", content=body, headers=signed(body, topic, webhook_id, **kw)
    )


async def a_connected_brand(settings, *aggregators: str):
    brand, key = await a_brand()
    await connect_shopify(settings, brand, SHOP, TOKEN, SHOPIFY_SECRET, actor="test")
    for aggregator in aggregators:
        await connect_aggregator(
            settings, brand, aggregator, EASYPOST_KEY, EASYPOST_SECRET, actor="test"
        )
    return brand, key


def stubbed(settings, stub, **more: Any):
    """Settings whose connector clients call the stub, with retries a test can wait for."""
    return settings.model_copy(
        update={
            "easypost_api_base": stub.base,
            "aftership_api_base": stub.base,
            "shippo_api_base": stub.base,
            "shopify_api_base": stub.base,
            "notification_retry_seconds": 0.05,
            **more,
        }
    )


async def any_hour(brand) -> None:
    """Shopify gives no time zone: these shoppers take messages at any hour of the test."""
    await Customer.filter(brand=brand).update(
        quiet_hours_start=0, quiet_hours_end=0, quiet_hours_chosen=True
    )


# Shopify webhooks


async def test_a_recorded_order_becomes_an_order_with_its_customer(client, settings):
    await a_connected_brand(settings)
    response = await deliver(client, "orders/create", recorded("order"), "wh-1")
    assert response.status_code == 200, response.text
    order = await Order.get(number="1001").select_related("customer")
    assert order.customer.email == "bob.norman@hostmail.com"
    assert order.customer.name == "Bob Norman"
    assert order.customer.phone is None  # "555-625-1199" is no number anyone can text
    assert (str(order.value_amount), order.value_currency) == ("409.94", "USD")
    assert order.destination["postcode"] == "40202" and order.destination["country"] == "US"
    assert order.placed_at.isoformat() == "2008-01-10T16:00:00+00:00"
    # Its only fulfilment failed: there is no parcel to track yet.
    assert await Shipment.all().count() == 0
    # accepts_marketing is false: no consent, no messages.
    assert (order.customer.email_opt_in, order.customer.sms_opt_in) == (False, False)
    [record] = await ShopifyWebhook.all()
    assert (record.webhook_id, record.topic) == ("wh-1", "orders/create")


async def test_consent_says_which_channels_a_shopper_is_messaged_on(client, settings):
    await a_connected_brand(settings)
    await deliver(client, "orders/create", consenting(recorded("order"), sms=False), "wh-1")
    customer = await Customer.get(email="bob.norman@hostmail.com")
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, False)
    assert customer.phone == "+16136120707"
    await deliver(client, "orders/updated", consenting(recorded("order"), sms=True), "wh-2")
    customer = await Customer.get(email="bob.norman@hostmail.com")
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, True)


async def test_no_consent_record_keeps_an_opt_in_given_on_the_tracking_page(client, settings):
    """Consent absent is not consent withdrawn: only Shopify's "unsubscribed" turns it off."""
    from tests.test_shopper_pages import csrf

    await a_connected_brand(settings)
    await deliver(client, "orders/create", consenting(recorded("order"), sms=False), "wh-1")
    order = await Order.get(number="1001").select_related("customer")
    assert order.customer.sms_opt_in is False  # a new customer without SMS consent
    url = f"/o/{order.access_token}"
    form = {"csrf_token": await csrf(client, url), "email": "1", "sms": "1", "scope": "all"}
    assert (await client.post(f"{url}/preferences", data=form)).status_code == 303

    silent = recorded("order")  # no consent records at all, accepts_marketing false
    silent["customer"]["phone"] = "+16136120707"
    await deliver(client, "orders/updated", silent, "wh-2")
    customer = await Customer.get(email="bob.norman@hostmail.com")
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, True)
    never = consenting(recorded("order"), email=False, sms=False)  # "not_subscribed"
    await deliver(client, "orders/updated", never, "wh-3")
    customer = await Customer.get(email="bob.norman@hostmail.com")
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, True)

    withdrawn = consenting(recorded("order"))
    withdrawn["customer"]["sms_marketing_consent"]["state"] = "unsubscribed"
    await deliver(client, "orders/updated", withdrawn, "wh-4")
    customer = await Customer.get(email="bob.norman@hostmail.com")
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, False)


async def test_a_shopper_who_unsubscribed_stays_unsubscribed_whatever_shopify_says(
    client, settings
):
    from porchlight.platform.clock import utcnow

    await a_connected_brand(settings)
    await deliver(client, "orders/create", consenting(recorded("order")), "wh-1")
    await Customer.filter(email="bob.norman@hostmail.com").update(
        email_opt_in=False, email_unsubscribed_at=utcnow()
    )
    await deliver(client, "orders/updated", consenting(recorded("order")), "wh-2")
    assert not (await Customer.get(email="bob.norman@hostmail.com")).email_opt_in


async def test_fulfilments_become_parcels_with_carrier_and_items(client, settings):
    await a_connected_brand(settings)
    await deliver(client, "orders/create", shipped(recorded("order"), "DHL Express"), "wh-1")
    [parcel] = await Shipment.all().prefetch_related("items")
    assert (parcel.tracking_number, parcel.carrier) == ("1Z2345", "dhl")
    assert [(i.sku, i.name, i.quantity) for i in parcel.items] == [
        ("IPOD2008GREEN", "IPod Nano - 8gb - green", 1)
    ]
    # A second fulfilment of the same order, from the fulfillments/create webhook.
    second = copy.deepcopy(recorded("fulfillment"))
    second.update(id=255858047, tracking_number="1Z9999", tracking_numbers=["1Z9999"])
    second["tracking_company"] = "FedEx"
    response = await deliver(client, "fulfillments/create", second, "wh-2")
    assert response.json()["outcome"] == "order 1001: 1 parcels"
    carriers = (
        await Shipment.all().order_by("tracking_number").values_list("tracking_number", "carrier")
    )
    assert carriers == [("1Z2345", "dhl"), ("1Z9999", "fedex")]


async def test_each_delivery_is_applied_once_by_its_webhook_id(client, settings):
    await a_connected_brand(settings)
    first = await deliver(client, "orders/create", shipped(recorded("order")), "wh-1")
    again = await deliver(client, "orders/create", shipped(recorded("order")), "wh-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == {"duplicate": True}
    assert await ShopifyWebhook.all().count() == 1
    assert await Order.all().count() == 1 and await Shipment.all().count() == 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"secret": "someone-elses-secret"}, 403),
        ({"headers": {"X-Shopify-Hmac-Sha256": ""}}, 403),
        ({"headers": {"X-Shopify-Shop-Domain": "other.myshopify.com"}}, 403),
        ({"path": "/hooks/shopify/fjord"}, 403),
        ({"body": b"{not json"}, 400),
        ({"body": b"[1, 2]"}, 400),
        ({"body": b'{"id": "450789469"}'}, 400),
        ({"headers": {"X-Shopify-Webhook-Id": ""}}, 400),
    ],
)
async def test_bad_signatures_and_bodies_are_refused_and_nothing_is_stored(
    client, settings, change, status
):
    await a_connected_brand(settings)
    body = change.get("body", json.dumps(recorded("order")).encode())
    headers = signed(body, "orders/create", "wh-1", secret=change.get("secret", SHOPIFY_SECRET))
    headers.update(change.get("headers", {}))
    response = await client.post(
        change.get("path", "/hooks/shopify/northwind"), content=body, headers=headers
    )
    assert response.status_code == status, response.text
    assert await ShopifyWebhook.all().count() == 0 and await Order.all().count() == 0


async def test_an_order_we_cannot_register_is_accepted_and_says_why(client, settings):
    """Refused, Shopify would retry for two days and then drop the subscription."""
    await a_connected_brand(settings)
    order = recorded("order")
    order["shipping_address"] = None
    response = await deliver(client, "orders/create", order, "wh-1")
    assert response.status_code == 200
    assert (
        response.json()["outcome"] == "skipped: the order has no shipping address with a postcode"
    )
    assert await Order.all().count() == 0


async def test_a_refund_records_once_and_sends_one_refund_notice(
    client, settings, providers, arq_redis
):
    stub, provider_settings = providers
    brand, _ = await a_connected_brand(settings)
    await deliver(client, "orders/create", shipped(consenting(recorded("order"))), "wh-1")
    await any_hour(brand)
    response = await deliver(client, "refunds/create", recorded("refund"), "wh-2")
    assert response.json()["outcome"] == "order 1001: refund recorded"
    again = await deliver(client, "refunds/create", recorded("refund"), "wh-3")  # resent anew
    assert again.json()["outcome"] == "order 1001: refund already known"
    [refund] = await Refund.all()
    assert (refund.external_id, refund.amount, refund.currency) == ("shopify:509562969", 209, "USD")
    assert refund.source == "shopify"
    await run_worker(provider_settings, arq_redis)
    refunds = [e for e in stub.emails if "refund" in e.json["subject"]]
    assert [e.json["subject"] for e in refunds] == ["Your refund for order 1001 has been issued"]
    rows = await Notification.filter(trigger="refund_issued").values_list("channel", "status")
    assert sorted(rows) == [("email", "sent"), ("sms", "skipped")]


async def test_a_cancelled_order_is_cancelled_for_the_shopper_the_agent_and_the_notifier(
    client, settings, arq_redis
):
    """orders/cancelled: the order keeps Shopify's cancellation time, its tracking page says it
    was cancelled, the messages still waiting and any later ones are skipped with the reason, and
    the agent's order view shows it."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from tests.test_agent_workspace import an_agent, sign_in

    brand, _ = await a_connected_brand(settings)
    order = shipped(consenting(recorded("order")))
    order["fulfillments"][0]["tracking_numbers"] = ["1Z2345", "1Z2346"]  # two parcels
    await deliver(client, "orders/create", order, "wh-1")
    await any_hour(brand)
    scans = easypost_event("1Z2345", journey("in_transit"))
    await client.post("/hooks/easypost", content=scans, headers=easypost_headers(scans))
    await run_worker(settings, arq_redis)
    # A split order's "shipped" waits for its sibling parcel: still pending.
    waiting = await Notification.filter(trigger="shipped", status="pending").values_list(
        "id", flat=True
    )
    assert waiting

    cancelled = copy.deepcopy(order)
    cancelled.update(cancelled_at="2026-11-30T12:00:00-05:00", cancel_reason="customer")
    response = await deliver(client, "orders/cancelled", cancelled, "wh-2")
    assert response.json()["outcome"] == "order 1001 cancelled in Shopify"
    ours = await Order.get(number="1001")
    assert ours.cancelled_at.isoformat() == "2026-11-30T17:00:00+00:00"
    rows = await Notification.filter(id__in=waiting).values_list("status", "skip_reason")
    assert rows == [("skipped", "order_cancelled")] * len(waiting)
    more = easypost_event("1Z2346", journey("in_transit", "out_for_delivery"))
    await client.post("/hooks/easypost", content=more, headers=easypost_headers(more))
    await run_worker(settings, arq_redis)
    later = await Notification.exclude(trigger="shipped").values_list("status", "skip_reason")
    assert ("skipped", "order_cancelled") in later
    assert not [status for status, _ in later if status != "skipped"]

    page = HTMLParser((await client.get(f"/o/{ours.access_token}")).text)
    assert page.css_first("p.order-cancelled").text() == (
        "This order was cancelled on Monday, November 30, 2026."
    )
    assert page.css_first("p.order-progress") is None
    await an_agent()
    await sign_in(client, "agent@northwind.test")
    agent_view = HTMLParser((await client.get(f"/agent/orders/{ours.id}")).text)
    assert agent_view.css_first("#cancelled-note").text().startswith("Cancelled ")
    assert "the order was cancelled" in agent_view.text()


# Aggregator registration


async def test_a_parcel_posted_to_the_api_is_registered_once_at_the_brands_aftership(
    client, settings, connector_stub, arq_redis
):
    _, key = await a_connected_brand(settings, "aftership")
    response = await client.post(
        "/api/v1/orders", json=order_payload("A-1", "7712000001"), headers=bearer(key)
    )
    assert response.status_code == 201
    [row] = await TrackerRegistration.all()
    assert row.state == "pending"
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    [call] = connector_stub.of("/tracking/")
    assert call.headers["as-api-key"] == EASYPOST_KEY
    assert call.json == {"tracking_number": "7712000001", "slug": "fedex"}
    row = await TrackerRegistration.get(id=row.id)
    assert (row.state, row.attempts, row.last_error) == ("registered", 1, "")
    # The retailer posts the same order again: nothing new to register.
    await client.post(
        "/api/v1/orders", json=order_payload("A-1", "7712000001"), headers=bearer(key)
    )
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    assert len(connector_stub.of("/tracking/")) == 1
    assert await TrackerRegistration.all().count() == 1


async def test_registering_a_number_aftership_already_tracks_counts_as_registered(
    client, settings, connector_stub, arq_redis
):
    _, key = await a_connected_brand(settings, "aftership")
    connector_stub.aftership_known.add("7712000001")
    await client.post(
        "/api/v1/orders", json=order_payload("A-1", "7712000001"), headers=bearer(key)
    )
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    assert (await TrackerRegistration.get()).state == "registered"


async def test_an_aggregator_outage_is_retried_and_a_refusal_is_kept_with_its_reason(
    client, settings, connector_stub, arq_redis
):
    _, key = await a_connected_brand(settings, "easypost")
    connector_stub.failures.extend([503, 502])
    await client.post("/api/v1/orders", json=order_payload("A-1", "TN-OK"), headers=bearer(key))
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    row = await TrackerRegistration.get()
    assert (row.state, row.attempts) == ("registered", 3)
    assert row.external_id.startswith("trk_")
    assert [c.json for c in connector_stub.trackers][-1] == {
        "tracker": {"tracking_code": "TN-OK", "carrier": "FedEx"}
    }
    assert connector_stub.trackers[-1].headers["Authorization"] == f"Bearer {EASYPOST_KEY}"
    connector_stub.failures.append(401)
    await client.post(
        "/api/v1/orders/A-1/shipments",
        json={"carrier": "ups", "tracking_number": "TN-REFUSED"},
        headers=bearer(key),
    )
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    refused = await TrackerRegistration.get(shipment__tracking_number="TN-REFUSED")
    assert refused.state == "failed" and refused.attempts == 1
    assert refused.last_error.startswith("EasyPost 401")


async def test_shippo_registers_a_tracking_webhook_for_carriers_it_knows(
    client, settings, connector_stub, arq_redis
):
    _, key = await a_connected_brand(settings, "shippo")
    payload = order_payload("A-1", "TN-DHL")
    payload["shipments"][0]["carrier"] = "dhl"
    payload["shipments"].append({"carrier": "pigeon-post", "tracking_number": "TN-PIGEON"})
    await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    [call] = connector_stub.of("/tracks/")
    assert call.headers["Authorization"] == f"ShippoToken {EASYPOST_KEY}"
    assert call.json == {"carrier": "dhl_express", "tracking_number": "TN-DHL"}
    states = await TrackerRegistration.all().order_by("id").values_list("state", "last_error")
    assert states == [("registered", ""), ("failed", "Shippo has no carrier for 'pigeon-post'")]


async def test_the_agent_sees_where_the_parcel_was_registered_and_why_it_failed(
    client, settings, connector_stub, arq_redis
):
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from porchlight.cases.cases import open_or_join
    from porchlight.enums import CaseSource, ExceptionType
    from tests.test_agent_workspace import an_agent, sign_in

    _, key = await a_connected_brand(settings, "easypost", "shippo")
    payload = order_payload("A-1", "TN-1")
    payload["shipments"][0]["carrier"] = "pigeon-post"
    await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    shipment = await Shipment.get(tracking_number="TN-1")
    case, _ = await open_or_join(shipment, ExceptionType.FAILED_ATTEMPT, CaseSource.CARRIER, "x")
    await an_agent()
    await sign_in(client, "agent@northwind.test")
    page = HTMLParser((await client.get(f"/agent/cases/{case.id}")).text)
    lines = [" ".join(li.text().split()) for li in page.css("ul.registrations li")]
    assert lines[0].startswith("EasyPost: registered ")
    assert lines[1] == "Shippo: failed: Shippo has no carrier for 'pigeon-post'"


# Per-brand aggregator accounts


async def test_a_brands_own_easypost_webhook_is_verified_with_its_secret_and_kept_to_its_parcels(
    client, settings
):
    _, key = await a_connected_brand(settings, "easypost")
    _, other_key = await a_brand("fjord", "fjord.example.com")
    await client.post("/api/v1/orders", json=order_payload("A-1", "TN-OURS"), headers=bearer(key))
    await client.post(
        "/api/v1/orders",
        json=order_payload("F-1", "TN-THEIRS"),
        headers={**bearer(other_key), "host": "fjord.example.com"},
    )
    ours = easypost_event("TN-OURS", journey("in_transit"))
    deployment_signed = await client.post(
        "/hooks/easypost/northwind", content=ours, headers=easypost_headers(ours)
    )
    assert deployment_signed.status_code == 403  # the deployment's secret is not the brand's
    accepted = await client.post(
        "/hooks/easypost/northwind", content=ours, headers=easypost_headers(ours, EASYPOST_SECRET)
    )
    assert accepted.json() == {"accepted": 1}
    theirs = easypost_event("TN-THEIRS", journey("delivered"))
    ignored = await client.post(
        "/hooks/easypost/northwind",
        content=theirs,
        headers=easypost_headers(theirs, EASYPOST_SECRET),
    )
    assert ignored.json() == {"accepted": 0, "ignored": 1}
    unknown = await client.post(
        "/hooks/easypost/nobody", content=ours, headers=easypost_headers(ours, EASYPOST_SECRET)
    )
    assert unknown.status_code == 403


async def test_credentials_are_sealed_and_never_shown_again(settings):
    brand, _ = await a_connected_brand(settings, "easypost")
    connection = await StoreConnection.get(brand=brand)
    account = await AggregatorAccount.get(brand=brand)
    stored = json.dumps(
        [
            await StoreConnection.all().values(),
            await AggregatorAccount.all().values(),
            await AuditEntry.all().values("before", "after"),
        ],
        default=str,
    )
    for secret in (TOKEN, SHOPIFY_SECRET, EASYPOST_KEY, EASYPOST_SECRET):
        assert secret not in stored
    assert (connection.token_hint, account.key_hint) == ("0123", "0123")
    other = settings.model_copy(update={"secret_key": SecretStr("another-secret-key-of-length")})
    from porchlight.connectors.accounts import shop_credentials
    from porchlight.platform.sealed import SealBroken

    assert shop_credentials(settings, connection).token == TOKEN
    with pytest.raises(SealBroken):
        shop_credentials(other, connection)


# The whole path


async def test_a_shopify_fulfilment_ends_in_the_shoppers_out_for_delivery_message(
    client, settings, providers, connector_stub, arq_redis
):
    """Shopify says a parcel left → the order and parcel exist → its tracking number is
    registered at the brand's EasyPost → EasyPost's signed scans arrive → the shopper is told."""
    stub, provider_settings = providers
    brand, _ = await a_connected_brand(settings, "easypost")
    # The shop as the Admin API shows it now: order #1001 with the fulfilment just made.
    order = consenting(recorded("order"))
    order["fulfillments"] = [recorded("fulfillment")]
    connector_stub.orders = [order]
    worker = stubbed(provider_settings, connector_stub)

    response = await deliver(client, "fulfillments/create", recorded("fulfillment"), "wh-1")
    assert response.json()["outcome"] == "order 450789469 unknown; importing it from the Admin API"
    await run_worker(worker, arq_redis)
    [parcel] = await Shipment.all().select_related("order")
    assert (parcel.order.number, parcel.tracking_number) == ("1001", "1Z2345")
    assert [c.path for c in connector_stub.of("/admin/")] == [
        "/admin/api/2025-10/orders/450789469.json"
    ]
    [tracker] = connector_stub.trackers
    assert tracker.json == {"tracker": {"tracking_code": "1Z2345"}}  # no carrier EasyPost knows
    assert (await TrackerRegistration.get()).state == "registered"

    await any_hour(brand)
    scans = easypost_event("1Z2345", journey("in_transit", "out_for_delivery"))
    hook = await client.post(
        "/hooks/easypost/northwind", content=scans, headers=easypost_headers(scans, EASYPOST_SECRET)
    )
    assert hook.json() == {"accepted": 2}
    await run_worker(worker, arq_redis)
    [email] = [e for e in stub.emails if e.json["subject"] == "Your order 1001 arrives today"]
    assert email.json["personalizations"][0]["to"][0]["email"] == "bob.norman@hostmail.com"
    [sms] = [s for s in stub.sms if s.form["To"] == "+16136120707"]
    assert "1001" in sms.form["Body"]


# The command line


async def porchlight(settings, *args: str, stdin: str = "", **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("porchlight")),
        *args,
        env={
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "SECRET_KEY": settings.secret_key.get_secret_value(),
            "PUBLIC_BASE_URL": settings.public_base_url,
            **env,
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin.encode())
    return process.returncode or 0, out.decode(), err.decode()


async def test_connect_shopify_reads_the_secrets_from_stdin_and_never_prints_them(
    client, settings, connector_stub
):
    await a_brand()
    env = {"SHOPIFY_API_BASE": connector_stub.base}
    args = ("connect-shopify", "northwind", "--shop", SHOP)
    stdin = f"{TOKEN}\n{SHOPIFY_SECRET}\n"
    code, out, err = await porchlight(settings, *args, stdin=stdin, **env)
    assert code == 0, err
    assert f"connected {SHOP} to northwind (token …0123)" in out
    assert "webhook URL: https://track.example.com/hooks/shopify/northwind" in out
    assert "webhooks subscribed (6 new, 0 already there)" in out
    code, out, err = await porchlight(settings, *args, stdin=stdin, **env)
    assert code == 0 and "webhooks subscribed (0 new, 6 already there)" in out
    assert sorted(w["topic"] for w in connector_stub.webhooks) == sorted(TOPICS)
    assert TOKEN not in out + err and SHOPIFY_SECRET not in out + err
    # The portal reads the sealed secret back to check Shopify's signature.
    response = await deliver(client, "orders/create", recorded("order"), "wh-1")
    assert response.status_code == 200
    entry = await AuditEntry.filter(action="shopify.connect").order_by("id").first()
    assert (entry.actor, entry.after) == ("cli", {"shop": SHOP, "token": "0123"})

    code, _, err = await porchlight(
        settings, "connect-shopify", "northwind", "--shop", "evil.example.com", stdin="a\nb\n"
    )
    assert code == 1 and "shop: Give the store's NAME.myshopify.com domain." in err


async def test_connect_aggregator_stores_the_brands_own_account(settings):
    await a_brand()
    code, out, err = await porchlight(
        settings,
        "connect-aggregator",
        "northwind",
        "aftership",
        stdin=f"{EASYPOST_KEY}\n{EASYPOST_SECRET}\n",
    )
    assert code == 0, err
    assert "webhook URL: https://track.example.com/hooks/aftership/northwind" in out
    assert EASYPOST_KEY not in out + err
    assert await AggregatorAccount.filter(aggregator="aftership").count() == 1


async def test_shopify_sync_pages_through_missed_orders_and_resumes_after_a_failure(
    settings, connector_stub
):
    brand, _ = await a_connected_brand(settings)
    for n in range(5):
        order = copy.deepcopy(recorded("order"))
        order.update(id=1000 + n, name=f"#20{n:02d}")
        connector_stub.orders.append(order)
    connector_stub.refuse_page = "2"  # the second page fails once (a 503)
    env = {"SHOPIFY_API_BASE": connector_stub.base}
    code, _, err = await porchlight(
        settings, "shopify-sync", "northwind", "--since", "2008-01-01", **env
    )
    assert code == 1 and "run the same command again to resume" in err
    assert sorted(await Order.all().values_list("number", flat=True)) == ["2000", "2001"]

    code, out, err = await porchlight(
        settings, "shopify-sync", "northwind", "--since", "2008-01-01", **env
    )
    assert code == 0, err
    assert "resuming after 2 orders" in out and "5 orders synced for northwind" in out
    assert await Order.filter(brand=brand).count() == 5
    pages = [c.path for c in connector_stub.of("/admin/api/2025-10/orders.json")]
    assert len([p for p in pages if "page_info" not in p]) == 1  # the first page read once
    first = next(c for c in connector_stub.of("/admin/api/2025-10/orders.json"))
    assert "created_at_min=2008-01-01T00%3A00%3A00%2B00%3A00" in first.path
    assert first.headers["X-Shopify-Access-Token"] == TOKEN


async def test_import_orders_keeps_the_good_rows_names_the_bad_and_registers_parcels(
    settings, tmp_path
):
    await a_connected_brand(settings, "easypost")
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "order_number,email,postcode,country,placed_at,carrier,tracking_number,items\n"
        "C-1,ana@example.com,10115,DE,2026-11-28T10:00:00Z,dhl,TN-C1,MUG-01*2|TEE\n"
        "C-2,not-an-email,10115,DE,,dhl,TN-C2,\n"
        "C-1,ana@example.com,10115,DE,2026-11-28T10:00:00Z,ups,TN-C1B,\n"
        "C-3,bo@example.com,,DE,,,,\n"
    )
    code, out, err = await porchlight(
        settings, "import-orders", str(csv_file), "--brand", "northwind"
    )
    assert code == 1
    assert "2 rows imported, 2 rows refused" in out
    assert "line 3: customer.email:" in err and "line 5: destination.postcode:" in err
    parcels = await Shipment.all().order_by("tracking_number").prefetch_related("items")
    assert [(p.tracking_number, p.carrier) for p in parcels] == [
        ("TN-C1", "dhl"),
        ("TN-C1B", "ups"),
    ]
    assert [(i.sku, i.quantity) for i in parcels[0].items] == [("MUG-01", 2), ("TEE", 1)]
    assert await TrackerRegistration.filter(state="pending").count() == 2


# Hostile bodies: whatever a signed body holds, it maps, is skipped with a reason, or is a 400.

ORDER_PARTS = [None, "customer", "shipping_address", ("fulfillments", 0), ("line_items", 0)]


def _mapped_or_refused(call, *args: Any) -> None:
    with contextlib.suppress(Unmappable, MalformedPayload):
        call(*args)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    part=st.sampled_from(ORDER_PARTS),
    key=st.sampled_from(
        [
            "id",
            "name",
            "email",
            "zip",
            "country_code",
            "created_at",
            "total_price",
            "currency",
            "phone",
            "customer_locale",
            "tracking_numbers",
            "tracking_number",
            "tracking_company",
            "status",
            "line_items",
            "quantity",
            "sku",
            "fulfillments",
            "customer",
            "refunds",
            "shipping_address",
            "email_marketing_consent",
            "first_name",
        ]
    ),
    value=json_values,
)
def test_any_value_anywhere_in_an_order_maps_or_is_refused_cleanly(part, key, value):
    order = shipped(recorded("order"))
    fulfillment = order["fulfillments"][0]
    target = order
    if isinstance(part, tuple):
        target = order[part[0]][part[1]]
    elif part:
        target = order[part]
    target[key] = value
    _mapped_or_refused(order_in, order)
    _mapped_or_refused(fulfillment_shipments, fulfillment)
    refund = recorded("refund")
    refund["transactions"][0][key if key != "id" else "amount"] = value
    _mapped_or_refused(refund_amount, refund)


# The console: Integrations → Shopify


async def test_an_admin_connects_the_store_and_an_aggregator_from_the_console(client, settings):
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from tests.test_admin_brand import an_admin

    await a_brand()
    token = await an_admin(client)
    page = await client.get("/admin/brands/northwind/integrations/shopify")
    assert page.status_code == 200
    assert "https://track.example.com/hooks/shopify/northwind" in page.text

    refused = await client.post(
        "/admin/brands/northwind/integrations/shopify/store",
        data={
            "csrf_token": token,
            "shop": "evil.example.com",
            "token": TOKEN,
            "webhook_secret": "x",
        },
    )
    assert refused.status_code == 400
    error = HTMLParser(refused.text).css_first("#e-shop")
    assert error.text() == "Give the store's NAME.myshopify.com domain."
    assert await StoreConnection.all().count() == 0

    done = await client.post(
        "/admin/brands/northwind/integrations/shopify/store",
        data={"csrf_token": token, "shop": SHOP, "token": TOKEN, "webhook_secret": SHOPIFY_SECRET},
    )
    assert done.status_code == 303
    await client.post(
        "/admin/brands/northwind/integrations/shopify/aggregator",
        data={
            "csrf_token": token,
            "aggregator": "easypost",
            "api_key": EASYPOST_KEY,
            "webhook_secret": EASYPOST_SECRET,
        },
    )
    await deliver(client, "orders/create", recorded("order"), "wh-1")
    page = await client.get(done.headers["location"])
    html = HTMLParser(page.text)
    assert html.css_first("p.saved").text() == "Store connected."
    assert f"Connected: {SHOP}, access token ending in 0123." in page.text
    for secret in (TOKEN, SHOPIFY_SECRET, EASYPOST_KEY, EASYPOST_SECRET):
        assert secret not in page.text
    [delivery] = html.css("table.shopify-deliveries tbody tr")
    assert "orders/create" in delivery.text()
    assert "https://track.example.com/hooks/easypost/northwind" in page.text
    actions = await AuditEntry.all().order_by("id").values_list("action", "actor")
    assert actions[-2:] == [
        ("shopify.connect", "admin@northwind.test"),
        ("easypost.connect", "admin@northwind.test"),
    ]


async def test_connecting_a_store_subscribes_its_webhooks_once_retrying_an_outage(
    client, settings, connector_stub, arq_redis
):
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from tests.test_admin_brand import an_admin

    await a_brand()
    token = await an_admin(client)
    address = "https://track.example.com/hooks/shopify/northwind"
    # Someone subscribed one topic by hand already; another app's subscription is not ours.
    connector_stub.webhooks = [
        {"id": 901, "topic": "orders/create", "address": address, "format": "json"},
        {"id": 902, "topic": "orders/paid", "address": "https://erp.example/h", "format": "json"},
    ]
    connector_stub.failures.append(503)  # Shopify's first answer: an outage
    store = {"csrf_token": token, "shop": SHOP, "token": TOKEN, "webhook_secret": SHOPIFY_SECRET}
    page = "/admin/brands/northwind/integrations/shopify"
    assert (await client.post(f"{page}/store", data=store)).status_code == 303
    assert (await StoreConnection.get()).webhooks_state == "pending"
    await run_worker(stubbed(settings, connector_stub), arq_redis)

    shopify_calls = [(c.method, c.path.split("?")[0]) for c in connector_stub.of("/admin/")]
    listing = ("GET", "/admin/api/2025-10/webhooks.json")
    assert shopify_calls[:2] == [listing, listing]  # failed once, then listed before subscribing
    ours = sorted(w["topic"] for w in connector_stub.webhooks if w["address"] == address)
    assert ours == sorted(TOPICS)
    assert {w["format"] for w in connector_stub.webhooks} == {"json"}
    connection = await StoreConnection.get()
    assert (connection.webhooks_state, connection.webhooks_error) == ("subscribed", "")
    shown = HTMLParser((await client.get(page)).text).css_first("p.webhooks-state")
    assert " ".join(shown.text().split()) == "Webhooks subscribed for every topic."

    # Connected again: nothing is subscribed twice.
    assert (await client.post(f"{page}/store", data=store)).status_code == 303
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    assert len(connector_stub.webhooks) == len(TOPICS) + 1
    assert (await StoreConnection.get()).webhooks_state == "subscribed"


async def test_a_token_shopify_refuses_shows_the_webhooks_failed_with_why(
    client, settings, connector_stub, arq_redis
):
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from tests.test_admin_brand import an_admin

    await a_brand()
    token = await an_admin(client)
    store = {
        "csrf_token": token,
        "shop": SHOP,
        "token": "shpat_not_the_right_one",
        "webhook_secret": SHOPIFY_SECRET,
    }
    page = "/admin/brands/northwind/integrations/shopify"
    await client.post(f"{page}/store", data=store)
    await run_worker(stubbed(settings, connector_stub), arq_redis)
    assert connector_stub.webhooks == []
    connection = await StoreConnection.get()
    assert connection.webhooks_state == "failed"
    assert connection.webhooks_error == "Shopify refused the access token (401)"
    shown = HTMLParser((await client.get(page)).text).css_first("p.webhooks-failed").text()
    assert "could not be subscribed: Shopify refused the access token (401)." in shown
