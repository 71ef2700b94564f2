"""What providers and shoppers say back: STOP texts, delivery receipts, bounces, one-click
unsubscribe. Each caller is verified the way the provider signs."""

import base64
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from twilio.request_validator import RequestValidator

from porchlight.models import Customer, EmailSuppression, Notification
from porchlight.notifications.unsubscribe import unsubscribe_token
from portal.app import create_app
from tests.factories import (
    a_brand,
    bearer,
    daytime_zone,
    deliver_scans,
    order_payload,
    shopper_order,
)
from tests.test_shopper_pages import csrf
from tests.worker_run import run_worker

TWILIO_TOKEN = "twilio-token"
PHONE = "+4915112345678"
SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_KEY = base64.b64encode(
    SIGNING_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()


@pytest.fixture
async def hooks(providers) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    """The portal with Twilio and SendGrid configured, next to the stub providers."""
    _, settings = providers
    configured = type(settings).model_validate(
        settings.model_dump() | {"sendgrid_event_public_key": PUBLIC_KEY}
    )
    async with LifespanManager(create_app(configured)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://track.example.com"
        ) as client:
            yield client, configured


def twilio_post(client, path, params, token=TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature(
        f"https://track.example.com{path}", params
    )
    return client.post(
        path,
        content=urlencode(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def sendgrid_post(client, events, *, key=SIGNING_KEY, timestamp="1764072000"):
    body = json.dumps(events) if not isinstance(events, str) else events
    signature = key.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256()))
    return client.post(
        "/hooks/sendgrid/events",
        content=body,
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
            "Content-Type": "application/json",
        },
    )


async def test_a_stop_reply_silences_texts_at_once_and_start_brings_them_back(
    hooks, providers, arq_redis
):
    client, settings = hooks
    stub, _ = providers
    await shopper_order()
    response = await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "Stop"})
    assert response.status_code == 200
    assert (await Customer.get(phone=PHONE)).sms_opted_out_at is not None

    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    sms = await Notification.get(trigger="out_for_delivery", channel="sms")
    assert (sms.status, sms.skip_reason) == ("skipped", "sms_stopped")
    assert stub.sms == []

    response = await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "START"})
    assert "<Message>You will get delivery updates by text again" in response.text
    assert (await Customer.get(phone=PHONE)).sms_opted_out_at is None


async def test_help_is_answered_in_the_customers_language(hooks):
    client, _ = hooks
    await shopper_order(locale="de")
    response = await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "help"})
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Message>Lieferinfos zu deinen Bestellungen" in response.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["unsigned", "badly signed"],
)
async def test_an_unverified_twilio_callback_is_refused(hooks, headers):
    client, _ = hooks
    await shopper_order()
    response = await client.post(
        "/hooks/twilio/inbound",
        content=urlencode({"From": PHONE, "Body": "STOP"}),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403
    assert (await Customer.get(phone=PHONE)).sms_opted_out_at is None


async def test_without_a_twilio_token_every_callback_is_refused(client):
    await shopper_order()
    response = await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "STOP"})
    assert response.status_code == 403


async def test_a_delivery_receipt_marks_the_text_delivered(hooks, providers, arq_redis):
    client, settings = hooks
    await shopper_order()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    sms = await Notification.get(trigger="out_for_delivery", channel="sms")
    assert sms.status == "sent" and sms.provider_id.startswith("SM")
    for status in ("sent", "delivered", "sent"):  # a late "sent" never moves it back
        response = await twilio_post(
            client,
            "/hooks/twilio/status",
            {"MessageSid": sms.provider_id, "MessageStatus": status},
        )
        assert response.status_code == 204
    assert (await Notification.get(id=sms.id)).status == "delivered"


async def test_a_bounce_suppresses_the_address_for_every_later_email(hooks, providers, arq_redis):
    client, settings = hooks
    stub, _ = providers
    await shopper_order(sms=False)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    email = await Notification.get(trigger="out_for_delivery", channel="email")
    response = await sendgrid_post(
        client,
        [
            {"email": "ana@example.com", "event": "bounce", "notification_id": str(email.id)},
            {"email": "ana@example.com", "event": "open"},
        ],
    )
    assert response.status_code == 204
    assert await EmailSuppression.filter(email="ana@example.com", reason="bounce").exists()
    assert (await Notification.get(id=email.id)).status == "undelivered"

    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    delivered = await Notification.get(trigger="delivered", channel="email")
    assert (delivered.status, delivered.skip_reason) == ("skipped", "email_suppressed")
    assert len(stub.emails) == 1


async def test_a_delivered_event_marks_the_email_delivered(hooks):
    client, _ = hooks
    _, _, order = await shopper_order()
    row = await Notification.create(
        brand_id=order.brand_id,
        shipment=await order.shipments.all().first(),
        customer_id=order.customer_id,
        trigger="shipped",
        channel="email",
        recipient="ana@example.com",
        status="sent",
    )
    response = await sendgrid_post(
        client, [{"email": "ana@example.com", "event": "delivered", "notification_id": str(row.id)}]
    )
    assert response.status_code == 204
    assert (await Notification.get(id=row.id)).status == "delivered"


async def test_forged_or_malformed_sendgrid_events_are_refused(hooks):
    client, _ = hooks
    events = [{"email": "ana@example.com", "event": "spamreport"}]
    forger = ec.generate_private_key(ec.SECP256R1())
    assert (await sendgrid_post(client, events, key=forger)).status_code == 403
    unsigned = await client.post("/hooks/sendgrid/events", content=json.dumps(events))
    assert unsigned.status_code == 403
    garbage = await client.post(
        "/hooks/sendgrid/events",
        content=json.dumps(events),
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": "%%%not base64%%%",
            "X-Twilio-Email-Event-Webhook-Timestamp": "1",
        },
    )
    assert garbage.status_code == 403
    assert (await sendgrid_post(client, '{"event": "bounce"}')).status_code == 400
    assert (await sendgrid_post(client, "[1, 2]")).status_code == 400
    assert not await EmailSuppression.exists()


async def test_without_a_sendgrid_key_every_event_is_refused(client):
    response = await sendgrid_post(client, [{"email": "ana@example.com", "event": "bounce"}])
    assert response.status_code == 403
    assert not await EmailSuppression.exists()


async def test_the_unsubscribe_link_in_an_email_works_in_one_click(hooks, providers, arq_redis):
    client, settings = hooks
    stub, _ = providers
    await shopper_order(sms=False)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    [email] = stub.emails
    headers = {h["key"] if isinstance(h, dict) else h: v for h, v in email.json["headers"].items()}
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://track.example.com/unsubscribe/")
    path = link.removeprefix("https://track.example.com")

    page = await client.get(path)
    assert page.status_code == 200 and "Stop delivery emails from Northwind?" in page.text
    assert (await Customer.get(email="ana@example.com")).email_opt_in  # a GET changes nothing

    # What a mail client's one-click button sends (RFC 8058): no cookie, no CSRF token.
    done = await client.post(path, content="List-Unsubscribe=One-Click")
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert not (await Customer.get(email="ana@example.com")).email_opt_in

    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    delivered = await Notification.get(trigger="delivered", channel="email")
    assert (delivered.status, delivered.skip_reason) == ("skipped", "opted_out")


async def test_a_forged_or_foreign_unsubscribe_link_finds_nothing(hooks):
    client, _ = hooks
    await shopper_order()
    await a_brand("fjord", host="fjord.example.com")
    assert (await client.get("/unsubscribe/not-a-token")).status_code == 404
    from porchlight.notifications.unsubscribe import unsubscribe_token

    customer = await Customer.get(email="ana@example.com")
    token = unsubscribe_token("test-secret-key-with-enough-length", customer)
    other_host = await client.post(f"/unsubscribe/{token}", headers={"Host": "fjord.example.com"})
    assert other_host.status_code == 404
    assert (await Customer.get(id=customer.id)).email_opt_in


NEW_PHONE = "+447911123456"


async def test_a_new_numbers_code_goes_out_through_twilio_and_only_start_undoes_a_stop(
    hooks,
    providers,
    arq_redis,  # (an empty Redis: no code sent today)
):
    client, _ = hooks
    stub, _ = providers
    _, _, order = await shopper_order()
    await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "STOP"})
    url = f"/o/{order.access_token}"
    token = await csrf(client, url)
    form = {"csrf_token": token, "sms": "1", "phone": NEW_PHONE, "scope": "all"}
    assert (await client.post(f"{url}/preferences", data=form)).status_code == 303
    [text] = stub.sms
    assert (text.form["To"], text.form["From"]) == (NEW_PHONE, "+15005550006")
    code = text.form["Body"][:6]
    assert code.isdigit() and "Northwind" in text.form["Body"]

    confirmed = await client.post(f"{url}/phone/confirm", data={"csrf_token": token, "code": code})
    assert confirmed.status_code == 303
    customer = await Customer.get(id=order.customer_id)
    assert customer.phone == NEW_PHONE
    assert customer.sms_opted_out_at is not None  # confirming a number is no START
    await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "START"})
    assert (await Customer.get(id=order.customer_id)).sms_opted_out_at is not None
    started = await twilio_post(
        client, "/hooks/twilio/inbound", {"From": NEW_PHONE, "Body": "Unstop"}
    )
    assert "by text again" in started.text
    assert (await Customer.get(id=order.customer_id)).sms_opted_out_at is None


async def test_a_number_twilio_refuses_is_explained_and_not_kept(hooks, providers, arq_redis):
    client, _ = hooks
    stub, _ = providers
    _, _, order = await shopper_order()
    url = f"/o/{order.access_token}"
    stub.fail_next("400")
    form = {"csrf_token": await csrf(client, url), "phone": NEW_PHONE, "scope": "all"}
    refused = await client.post(f"{url}/preferences", data=form, follow_redirects=True)
    assert refused.status_code == 422
    assert "could not text that number" in refused.text
    customer = await Customer.get(id=order.customer_id)
    assert (customer.phone, customer.pending_phone) == (PHONE, None)


async def re_post(client, key, **notifications):
    """The retailer sends the order again, with the customer's channels as it has them."""
    customer = {
        "email": "ana@example.com",
        "phone": PHONE,
        "time_zone": daytime_zone(),
        "notifications": notifications,
    }
    payload = order_payload("A-1001", "TN1", customer=customer)
    response = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert response.status_code == 200


async def test_the_retailer_cannot_resubscribe_a_shopper_who_unsubscribed(
    hooks, providers, arq_redis
):
    client, settings = hooks
    stub, _ = providers
    _, key, order = await shopper_order(sms=False)
    customer = await Customer.get(id=order.customer_id)
    token = unsubscribe_token(settings.secret_key.get_secret_value(), customer)
    await client.post(f"/unsubscribe/{token}", content="List-Unsubscribe=One-Click")

    await re_post(client, key, email=True, sms=False)
    assert not (await Customer.get(id=customer.id)).email_opt_in
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    email = await Notification.get(trigger="out_for_delivery", channel="email")
    assert (email.status, email.skip_reason) == ("skipped", "opted_out")
    assert stub.emails == []

    again = await client.post(f"/unsubscribe/{token}", data={"resubscribe": "1"})
    assert "delivery emails are on again" in again.text  # the shopper may, of course
    await re_post(client, key, email=False, sms=False)  # and the retailer may turn it off
    assert not (await Customer.get(id=customer.id)).email_opt_in


async def test_a_stop_survives_the_retailer_sending_the_order_again_with_sms_on(
    hooks, providers, arq_redis
):
    client, settings = hooks
    stub, _ = providers
    _, key, _ = await shopper_order()
    await twilio_post(client, "/hooks/twilio/inbound", {"From": PHONE, "Body": "STOP"})
    await re_post(client, key, email=True, sms=True)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    sms = await Notification.get(trigger="out_for_delivery", channel="sms")
    assert (sms.status, sms.skip_reason) == ("skipped", "sms_stopped")
    assert stub.sms == []


async def test_texts_turned_off_on_the_order_page_stay_off_when_the_retailer_re_posts(hooks):
    client, _ = hooks
    _, key, order = await shopper_order()
    url = f"/o/{order.access_token}"
    form = {"csrf_token": await csrf(client, url), "email": "1", "scope": "all"}
    assert (await client.post(f"{url}/preferences", data=form)).status_code == 303
    await re_post(client, key, email=True, sms=True)
    customer = await Customer.get(id=order.customer_id)
    assert (customer.email_opt_in, customer.sms_opt_in) == (True, False)
