"""Search and the agent's order view: finding any order the way a caller describes it, and the
actions taken from there (each audited), through the real app, SDKs and stub providers."""

import pytest
from asgi_lifespan import LifespanManager
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from notifier.notifications import schedule
from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.desk.search import phone_candidates, search
from porchlight.enums import Trigger
from porchlight.models import (
    AuditEntry,
    Brand,
    Case,
    Contact,
    DeliveryRequest,
    Notification,
    Order,
    Shipment,
)
from portal.app import create_app
from tests.conftest import client_for
from tests.factories import a_brand, an_order, scans
from tests.test_agent_workspace import an_agent, signed_in_token


async def berlin_brand(slug="northwind", host="track.example.com") -> Brand:
    brand, _ = await a_brand(slug, host=host)
    brand.time_zone = "Europe/Berlin"
    await brand.save(update_fields=["time_zone"])
    return brand


async def ana_and_ben(brand: Brand) -> tuple[Order, Order]:
    ana = await an_order(brand, "A-1001", "7712000001")
    ben = await an_order(
        brand,
        "A-1002",
        "JD0146000012345",
        customer={
            "email": "ben.becker@example.org",
            "phone": "+447911123456",
            "name": "Ben Becker",
        },
        flags=[],
    )
    return ana, ben


def numbers(hits) -> list[str]:
    return [h.order.number for h in hits]


async def test_every_way_a_caller_names_an_order_finds_it():
    brand = await berlin_brand()
    await ana_and_ben(brand)
    brands = [brand]
    assert numbers(await search("A-1002", brands)) == ["A-1002"]
    assert numbers(await search("jd0146 000012345", brands)) == ["A-1002"]  # typed as read out
    assert numbers(await search("Ben.Becker@Example.org", brands)) == ["A-1002"]
    assert numbers(await search("0151 1234 5678", brands)) == ["A-1001"]  # German, national
    assert numbers(await search("+49 (151) 123-45678", brands)) == ["A-1001"]
    assert numbers(await search("0044 7911 123456", brands)) == ["A-1002"]
    assert numbers(await search("becker", brands)) == ["A-1002"]
    [hit] = await search("0151 1234 5678", brands)
    assert (hit.via, hit.exact) == ("phone", True)


async def test_a_national_number_from_a_country_no_brand_is_in_still_finds_the_customer():
    brand, _ = await a_brand()  # UTC and English: its likeliest country is the US
    await ana_and_ben(brand)
    assert phone_candidates("0151 1234 5678", [brand]) == []
    [hit] = await search("0151 1234 5678", [brand])
    assert (hit.order.number, hit.via, hit.exact) == ("A-1001", "phone", False)


async def test_a_national_number_is_read_in_the_country_the_brand_sells_in():
    brand, _ = await a_brand()  # UTC and English, but it sells in Germany
    brand.settings = stored(validate_settings({"country": "DE"}))
    await brand.save(update_fields=["settings"])
    await ana_and_ben(brand)
    assert phone_candidates("0151 1234 5678", [brand]) == ["+4915112345678"]
    [hit] = await search("0151 1234 5678", [brand])
    assert (hit.order.number, hit.via, hit.exact) == ("A-1001", "phone", True)


async def test_an_exact_match_is_the_answer_and_fragments_come_when_nothing_is_exact():
    brand = await berlin_brand()
    await an_order(brand, "A-100", "TN-A", customer={"email": "ann.berg@example.com"})
    await an_order(brand, "A-1000", "TN-B", customer={"email": "ann.bergmann@example.com"})
    await an_order(brand, "XA-100", "TN-C", customer={"email": "xa@example.com"})
    [hit] = await search("A-100", [brand])
    assert (hit.order.number, hit.exact) == ("A-100", True)
    hits = await search("-100", [brand])
    assert sorted(numbers(hits)) == ["A-100", "A-1000", "XA-100"]
    assert not any(h.exact for h in hits)
    assert sorted(numbers(await search("Ann.Berg", [brand]))) == ["A-100", "A-1000"]  # prefix


async def test_search_sees_only_the_brands_given_and_treats_wildcards_as_text():
    northwind = await berlin_brand()
    fjord = await berlin_brand("fjord", host="track.fjord.test")
    await ana_and_ben(northwind)
    await an_order(fjord, "F-1", "FTN1")
    assert await search("F-1", [northwind]) == []
    assert numbers(await search("F-1", [northwind, fjord])) == ["F-1"]
    assert await search("%%%", [northwind]) == []
    assert await search("___", [northwind]) == []


@pytest.fixture
async def desk(providers, arq_redis):
    """The portal sending through the stub providers, with northwind's agent signed in."""
    stub, settings = providers
    async with LifespanManager(create_app(settings)) as manager, client_for(manager.app) as c:
        brand = await berlin_brand()
        ana, _ = await ana_and_ben(brand)
        await an_agent()
        token = await signed_in_token(c, "agent@northwind.test")
        yield c, token, ana, stub


def page(response) -> HTMLParser:
    return HTMLParser(response.text)


async def test_the_search_page_and_the_box_on_every_workspace_page(desk):
    client, _, ana, _ = desk
    queue = page(await client.get("/agent/"))
    assert queue.css_first("form[role=search] input[name=q]") is not None
    results = page(await client.get("/agent/search", params={"q": "0151 1234 5678"}))
    [link] = results.css("table.search-results a")
    assert (link.text(), link.attributes["href"]) == ("A-1001", f"/agent/orders/{ana.id}")
    assert "+4915112345678" not in results.html  # the phone shows masked
    assert "5678" in results.css_first("table.search-results").text()


async def test_the_order_view_shows_parcels_messages_preferences_and_cases(desk, arq_redis):
    client, _, ana, _ = desk
    ana = await Order.get(id=ana.id).select_related("brand", "customer")
    shipment = await Shipment.get(order=ana)
    await schedule({"redis": arq_redis}, shipment, ana, Trigger.DELAY)  # email on, SMS off
    view = page(await client.get(f"/agent/orders/{ana.id}"))
    assert "7712000001" in view.css_first("#parcels").text()
    messages = view.css_first("#messages").text()
    assert "Delayed" in messages and "the customer turned this channel off" in messages
    assert "•••• 5678" in view.css_first("#customer").text()
    assert "+4915112345678" not in view.html
    assert view.css_first("#order-case-form") is not None


async def test_a_delivered_parcel_shows_no_estimated_date_but_one_on_its_way_does(desk):
    client, _, ana, _ = desk
    ben = await Order.get(number="A-1002")
    await scans("7712000001", "pre_transit", "in_transit", "delivered")
    await scans("JD0146000012345", "pre_transit", "in_transit")
    delivered = page(await client.get(f"/agent/orders/{ana.id}")).css_first("#parcels").text()
    assert "Delivered" in delivered and "Estimated delivery" not in delivered
    coming = page(await client.get(f"/agent/orders/{ben.id}")).css_first("#parcels").text()
    assert "Estimated delivery: Friday, December 4, 2026" in coming


async def test_the_order_view_says_every_code_in_words_in_the_agents_language(desk, arq_redis):
    client, token, ana, _ = desk
    ana = await Order.get(id=ana.id).select_related("brand", "customer")
    shipment = await Shipment.get(order=ana)
    await schedule({"redis": arq_redis}, shipment, ana, Trigger.OUT_FOR_DELIVERY)
    await DeliveryRequest.create(shipment=shipment, kind="pickup_point", details={})
    await client.post(
        f"/agent/orders/{ana.id}/contact", data={"channel": "phone", "csrf_token": token}
    )
    view = page(await client.get(f"/agent/orders/{ana.id}", headers={"accept-language": "de"}))
    messages = view.css_first("#messages").text()
    for words in ("In Zustellung", "E-Mail", "SMS", "wartet", "nicht gesendet"):
        assert words in messages
    assert "der Kunde hat diesen Kanal abgeschaltet" in messages
    requests = view.css_first("#requests").text()
    assert "Ein Abholpunkt" in requests and "Telefon" in requests
    assert "Deutsch" in view.css_first("#customer").text()
    moments = view.css_first("#timeline").text()
    assert "Kontakt erfasst" in moments and "In Zustellung" in moments
    words = " ".join(view.css_first(s).text() for s in ("#messages", "#requests", "#timeline"))
    for code in ("out_for_delivery", "opted_out", "pending", "skipped", "pickup_point", "phone"):
        assert code not in words


async def test_another_brands_order_is_a_404(desk):
    client, token, _, _ = desk
    fjord = await berlin_brand("fjord", host="track.fjord.test")
    theirs = await an_order(fjord, "F-1", "FTN1")
    assert (await client.get(f"/agent/orders/{theirs.id}")).status_code == 404
    response = await client.post(f"/agent/orders/{theirs.id}/new-link", data={"csrf_token": token})
    assert response.status_code == 404
    assert (await Order.get(id=theirs.id)).access_token == theirs.access_token


async def test_resending_the_link_by_email_and_sms_is_sent_and_audited(desk):
    client, token, ana, stub = desk
    for channel in ("email", "sms"):
        response = await client.post(
            f"/agent/orders/{ana.id}/resend", data={"channel": channel, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
    [email], [sms] = stub.emails, stub.sms
    assert email.json["subject"] == "Dein Tracking-Link für Bestellung A-1001"  # Ana reads German
    text = next(c["value"] for c in email.json["content"] if c["type"] == "text/plain")
    assert f"/o/{ana.access_token}" in text
    assert sms.form["To"] == "+4915112345678" and f"/o/{ana.access_token}" in sms.form["Body"]
    trail = await AuditEntry.filter(subject=f"order:{ana.id}").order_by("id")
    assert [(a.action, a.after["channel"], a.actor) for a in trail] == [
        ("order.link_resent", "email", "agent@northwind.test"),
        ("order.link_resent", "sms", "agent@northwind.test"),
    ]
    view = page(await client.get(f"/agent/orders/{ana.id}"))
    assert "Tracking link sent again" in view.css_first("#timeline").text()


async def test_a_stopped_number_is_not_texted_even_by_an_agent(desk):
    client, token, ana, stub = desk
    from porchlight.models import Customer
    from porchlight.platform.clock import utcnow

    await Customer.filter(id=ana.customer_id).update(sms_opted_out_at=utcnow())
    response = await client.post(
        f"/agent/orders/{ana.id}/resend", data={"channel": "sms", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "replied STOP" in page(response).css_first("#resend-form [role=alert]").text()
    assert stub.sms == [] and not await AuditEntry.exists()


async def test_a_new_link_retires_the_old_one(desk):
    client, token, ana, _ = desk
    assert (await client.get(f"/o/{ana.access_token}")).status_code == 200
    response = await client.post(f"/agent/orders/{ana.id}/new-link", data={"csrf_token": token})
    assert response.status_code == 303
    fresh = await Order.get(id=ana.id)
    assert fresh.access_token != ana.access_token
    assert (await client.get(f"/o/{ana.access_token}")).status_code == 404
    assert (await client.get(f"/o/{fresh.access_token}")).status_code == 200
    entry = await AuditEntry.get(subject=f"order:{ana.id}")
    assert entry.action == "order.link_replaced" and fresh.access_token not in str(entry.after)


async def test_paused_orders_get_nothing_from_the_notifier_until_resumed(desk, arq_redis):
    client, token, ana, _ = desk
    await client.post(f"/agent/orders/{ana.id}/pause", data={"paused": "1", "csrf_token": token})
    paused = await Order.get(id=ana.id).select_related("brand", "customer")
    assert paused.notifications_paused_at is not None
    shipment = await Shipment.get(order=paused)
    await schedule({"redis": arq_redis}, shipment, paused, Trigger.DELAY)
    rows = await Notification.filter(trigger="delay").values_list(
        "channel", "status", "skip_reason"
    )
    assert sorted(rows) == [("email", "skipped", "paused"), ("sms", "skipped", "paused")]
    await client.post(f"/agent/orders/{ana.id}/pause", data={"paused": "0", "csrf_token": token})
    resumed = await Order.get(id=ana.id).select_related("brand", "customer")
    assert resumed.notifications_paused_at is None
    await schedule({"redis": arq_redis}, shipment, resumed, Trigger.FAILED_ATTEMPT)
    email = await Notification.get(trigger="failed_attempt", channel="email")
    assert email.status == "pending"
    actions = await AuditEntry.filter(subject=f"order:{ana.id}").order_by("id")
    assert [a.action for a in actions] == [
        "order.notifications_paused",
        "order.notifications_resumed",
    ]


async def test_a_message_already_queued_is_held_back_by_a_pause(desk, arq_redis, providers, job_of):
    from notifier.delivery import deliver_batch

    client, token, ana, stub = desk
    order = await Order.get(id=ana.id).select_related("brand", "customer")
    shipment = await Shipment.get(order=order)
    await schedule({"redis": arq_redis}, shipment, order, Trigger.DELAY)
    await client.post(f"/agent/orders/{ana.id}/pause", data={"paused": "1", "csrf_token": token})
    email = await Notification.get(trigger="delay", channel="email")
    job = job_of(providers[1], "a-job")
    assert await deliver_batch(job, [email.id]) == {"skipped": 1}
    assert (await Notification.get(id=email.id)).skip_reason == "paused"
    assert stub.emails == []


async def test_a_contact_and_a_case_logged_from_the_order(desk):
    client, token, ana, _ = desk
    response = await client.post(
        f"/agent/orders/{ana.id}/contact", data={"channel": "phone", "csrf_token": token}
    )
    assert response.status_code == 303
    contact = await Contact.get(order_id=ana.id)
    assert (contact.channel, contact.reason) == ("phone", "wismo")
    response = await client.post(
        f"/agent/orders/{ana.id}/case",
        data={
            "type": "damage_reported",
            "tracking_number": "7712000001",
            "note": "Crushed",
            "csrf_token": token,
        },
    )
    case = await Case.get(shipment__order_id=ana.id)
    assert response.headers["location"] == f"/agent/cases/{case.id}"
    assert (case.type, case.source) == ("damage_reported", "agent")
    assert [
        a.action for a in await AuditEntry.filter(subject=f"order:{ana.id}").order_by("id")
    ] == [
        "order.contact",
        "order.case_open",
    ]
    refused = await client.post(
        f"/agent/orders/{ana.id}/case", data={"type": "lost", "csrf_token": token}
    )
    assert refused.status_code == 422
    elsewhere = await client.post(
        f"/agent/orders/{ana.id}/case",
        data={"type": "delay", "tracking_number": "NOT-HERS", "csrf_token": token},
    )
    assert elsewhere.status_code == 422 and await Case.filter(type="delay").count() == 0


async def test_actions_need_the_forms_csrf_token(desk):
    client, _, ana, _ = desk
    response = await client.post(f"/agent/orders/{ana.id}/new-link", data={})
    assert response.status_code == 403
    assert (await Order.get(id=ana.id)).access_token == ana.access_token
