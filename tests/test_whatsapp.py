"""WhatsApp, a third channel through Twilio's same Messages API and the real twilio SDK (to the
provider stub): a brand's approved template per trigger, in the customer's language, once,
only with the shopper's consent on record and never after a STOP."""

import json
from datetime import date, timedelta

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from notifier.notifications import send_due
from porchlight.accounts.brand_settings import WHATSAPP_VARIABLES
from porchlight.enums import Channel
from porchlight.models import Brand, Customer, Notification
from porchlight.notifications.texts import all_values
from porchlight.platform import i18n
from porchlight.platform.clock import utcnow
from tests.factories import (
    a_brand,
    bearer,
    daytime_zone,
    deliver_scans,
    night_zone,
    order_payload,
)
from tests.test_agent_workspace import an_agent, sign_in
from tests.test_messaging_hooks import PHONE, hooks, twilio_post  # noqa: F401 - a fixture
from tests.test_shopper_pages import csrf
from tests.worker_run import run_worker

SENDER = "+15005550010"
SID_EN, SID_DE = "HX" + "e" * 32, "HX" + "d" * 32
TEMPLATES = {
    "out_for_delivery": {
        "content_sids": {"en": SID_EN, "de": SID_DE},
        "variables": {"1": "customer_name", "2": "estimated_delivery", "3": "order_url"},
    }
}
ESTIMATE = date(2026, 12, 4)


async def whatsapp_brand(**whatsapp) -> tuple[Brand, str]:
    brand, key = await a_brand()
    brand.settings = {
        "whatsapp": {"enabled": True, "sender": SENDER, "templates": TEMPLATES, **whatsapp}
    }
    await brand.save()
    return brand, key


async def post_order(client, key, *, locale="de", whatsapp=None) -> None:
    notifications = {"email": False, "sms": False}
    if whatsapp is not None:
        notifications["whatsapp"] = whatsapp
    customer = {
        "email": "ana@example.com",
        "phone": PHONE,
        "name": "Ana",
        "locale": locale,
        "time_zone": daytime_zone(),
        "notifications": notifications,
    }
    payload = order_payload("A-1001", "TN1", customer=customer)
    response = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert response.status_code in (200, 201), response.text


async def out_for_delivery(client, settings, arq_redis) -> None:
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)


async def test_an_opted_in_shopper_gets_the_template_once_in_their_language(
    hooks,  # noqa: F811
    providers,
    arq_redis,
):
    client, settings = hooks
    stub, _ = providers
    _, key = await whatsapp_brand()
    await post_order(client, key, whatsapp={"opt_in": True, "source": "checkout"})
    customer = await Customer.get(phone=PHONE)
    assert (customer.whatsapp_opt_in, customer.whatsapp_consent_source) == (
        True,
        "retailer:checkout",
    )
    assert customer.whatsapp_consent_at is not None

    await out_for_delivery(client, settings, arq_redis)
    [sent] = stub.whatsapp
    assert sent.form["To"] == f"whatsapp:{PHONE}" and sent.form["From"] == f"whatsapp:{SENDER}"
    assert sent.form["ContentSid"] == SID_DE and "Body" not in sent.form
    variables = json.loads(sent.form["ContentVariables"])
    assert variables["1"] == "Ana"
    assert variables["2"] == i18n.format_date(ESTIMATE, "de") != i18n.format_date(ESTIMATE, "en")
    assert variables["3"].startswith("https://track.example.com/o/")
    assert stub.sms == []
    row = await Notification.get(trigger="out_for_delivery", channel="whatsapp")
    assert (row.status, row.recipient) == ("sent", PHONE) and row.provider_id.startswith("SM")

    # The carrier resends the whole history: nothing new goes out.
    await out_for_delivery(client, settings, arq_redis)
    assert len(stub.whatsapp) == 1
    assert await Notification.filter(channel="whatsapp").count() == 1


async def test_a_language_without_a_template_gets_the_brands_default_language(
    hooks,  # noqa: F811
    providers,
    arq_redis,
):
    client, settings = hooks
    stub, _ = providers
    _, key = await whatsapp_brand()
    await post_order(client, key, locale="fr", whatsapp={"opt_in": True, "source": "checkout"})
    await out_for_delivery(client, settings, arq_redis)
    [sent] = stub.whatsapp
    assert sent.form["ContentSid"] == SID_EN
    assert json.loads(sent.form["ContentVariables"])["2"] == i18n.format_date(ESTIMATE, "en")


async def test_nothing_goes_on_whatsapp_without_consent_or_a_template(
    hooks,  # noqa: F811
    providers,
    arq_redis,
):
    client, settings = hooks
    stub, _ = providers
    _, key = await whatsapp_brand()
    await post_order(client, key)  # the retailer says nothing of WhatsApp
    await out_for_delivery(client, settings, arq_redis)
    row = await Notification.get(trigger="out_for_delivery", channel="whatsapp")
    assert (row.status, row.skip_reason) == ("skipped", "opted_out")
    # first scan has no template: no WhatsApp row at all
    assert not await Notification.exists(trigger="first_scan", channel="whatsapp")
    assert stub.whatsapp == []


async def test_a_brand_without_whatsapp_writes_no_whatsapp_rows(hooks, providers, arq_redis):  # noqa: F811
    client, settings = hooks
    stub, _ = providers
    _, key = await a_brand()
    await post_order(client, key, whatsapp={"opt_in": True, "source": "checkout"})
    await out_for_delivery(client, settings, arq_redis)
    assert await Notification.filter(channel="email").exists()
    assert not await Notification.filter(channel="whatsapp").exists()
    assert stub.whatsapp == []


async def test_a_stop_on_whatsapp_ends_whatsapp_and_start_resumes_it(
    hooks,  # noqa: F811
    providers,
    arq_redis,
):
    client, settings = hooks
    stub, _ = providers
    _, key = await whatsapp_brand()
    await post_order(client, key, whatsapp={"opt_in": True, "source": "checkout"})
    stop = {"From": f"whatsapp:{PHONE}", "Body": "STOP"}
    answer = await twilio_post(client, "/hooks/twilio/inbound", stop)
    assert answer.status_code == 200 and "<Message>" not in answer.text
    customer = await Customer.get(phone=PHONE)
    assert customer.whatsapp_opted_out_at is not None and customer.sms_opted_out_at is None

    # The retailer's word cannot undo a STOP.
    await post_order(client, key, whatsapp={"opt_in": True, "source": "checkout"})
    await out_for_delivery(client, settings, arq_redis)
    row = await Notification.get(trigger="out_for_delivery", channel="whatsapp")
    assert (row.status, row.skip_reason) == ("skipped", "whatsapp_stopped")
    assert stub.whatsapp == []

    start = {"From": f"whatsapp:{PHONE}", "Body": "START"}
    answer = await twilio_post(client, "/hooks/twilio/inbound", start)
    assert "<Message>" not in answer.text  # the START answer speaks of texts
    assert (await Customer.get(phone=PHONE)).whatsapp_opted_out_at is None


async def test_a_stop_while_a_message_waits_for_the_morning_keeps_it_from_going(
    hooks,  # noqa: F811
    providers,
    arq_redis,
):
    client, settings = hooks
    stub, _ = providers
    _, key = await whatsapp_brand()
    await post_order(client, key, whatsapp={"opt_in": True, "source": "checkout"})
    await Customer.filter(phone=PHONE).update(time_zone=night_zone())
    await out_for_delivery(client, settings, arq_redis)
    row = await Notification.get(trigger="out_for_delivery", channel="whatsapp")
    assert row.status == "pending" and row.due_at > utcnow()  # quiet hours: it waits

    await twilio_post(
        client, "/hooks/twilio/inbound", {"From": f"whatsapp:{PHONE}", "Body": "stop"}
    )
    await Notification.filter(id=row.id).update(due_at=utcnow() - timedelta(minutes=2))
    await send_due({"redis": arq_redis})  # the morning comes
    await run_worker(settings, arq_redis)
    row = await Notification.get(id=row.id)
    assert (row.status, row.skip_reason) == ("skipped", "whatsapp_stopped")
    assert stub.whatsapp == []


async def test_a_shopper_opts_in_on_the_tracking_page_and_the_retailer_cannot_undo_it(
    hooks,  # noqa: F811
    providers,
    arq_redis,
):
    client, settings = hooks
    stub, _ = providers
    _, key = await whatsapp_brand()
    await post_order(client, key)
    order_url = (await client.get("/api/v1/orders/A-1001", headers=bearer(key))).json()[
        "tracking_url"
    ]
    path = "/o/" + order_url.rsplit("/o/", 1)[1]
    page = HTMLParser((await client.get(path)).text)
    assert page.css_first("input[name=whatsapp]") is not None
    form = {"csrf_token": await csrf(client, path), "email": "1", "whatsapp": "1", "scope": "order"}
    saved = await client.post(f"{path}/preferences", data=form)
    assert saved.status_code == 303
    customer = await Customer.get(phone=PHONE)
    assert (customer.whatsapp_opt_in, customer.whatsapp_consent_source) == (True, "tracking_page")

    await post_order(client, key, whatsapp={"opt_in": False, "source": "crm"})
    assert (await Customer.get(phone=PHONE)).whatsapp_opt_in  # the shopper's own choice wins
    await out_for_delivery(client, settings, arq_redis)
    assert len(stub.whatsapp) == 1


async def test_the_tracking_page_offers_whatsapp_only_where_the_brand_sends_it(client):
    _, key = await a_brand()
    await post_order(client, key)
    url = (await client.get("/api/v1/orders/A-1001", headers=bearer(key))).json()["tracking_url"]
    page = HTMLParser((await client.get("/o/" + url.rsplit("/o/", 1)[1])).text)
    assert page.css_first("input[name=whatsapp]") is None


async def test_an_admin_maps_triggers_to_templates_in_the_console(client):
    brand, _ = await a_brand()
    await an_agent("admin@northwind.test", role="admin")
    assert (await sign_in(client, "admin@northwind.test")).status_code == 303
    url = f"/admin/brands/{brand.slug}/whatsapp"
    token = await csrf(client, url)
    refused = await client.post(
        url,
        data={
            "csrf_token": token,
            "enabled": "1",
            "sender": SENDER,
            "sids.delivered": "de=HX123",
            "variables.delivered": "1=order_number",
        },
    )
    assert refused.status_code == 400
    shown = HTMLParser(refused.text)
    assert shown.css_first("#e-sids-delivered") is not None
    assert (await Brand.get(id=brand.id)).settings.get("whatsapp") is None

    saved = await client.post(
        url,
        data={
            "csrf_token": token,
            "enabled": "1",
            "sender": SENDER,
            "sids.delivered": f"de={SID_DE}\nen={SID_EN}",
            "variables.delivered": "1=order_number, 2=order_url",
        },
    )
    assert saved.status_code == 303
    stored = (await Brand.get(id=brand.id)).settings["whatsapp"]
    assert stored == {
        "enabled": True,
        "sender": SENDER,
        "templates": {
            "delivered": {
                "content_sids": {"de": SID_DE, "en": SID_EN},
                "variables": {"1": "order_number", "2": "order_url"},
            }
        },
    }
    again = HTMLParser((await client.get(url)).text)
    assert SID_DE in again.css_first("#f-sids-delivered").text()


def test_template_variables_are_the_message_variables():
    context = {
        "brand": Brand(name="B"),
        "customer": Customer(name="Ana"),
        "order": type("O", (), {"number": "1"})(),
        "order_url": "u",
        "parcels": [],
    }
    assert set(all_values("en", context)) == WHATSAPP_VARIABLES
    assert Channel.WHATSAPP.value == "whatsapp"
