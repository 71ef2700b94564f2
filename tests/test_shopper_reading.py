"""What a shopper reads on the order page, in `/api/v1/track` and in messages: dates that
mean something, in one format and their own zone; scans in their language; forms that behave."""

from datetime import UTC, datetime

import pytest

from porchlight.carriers.easypost import adapter
from porchlight.models import Customer, DeliveryRequest
from porchlight.platform import i18n
from porchlight.tracking import derive, intake
from tests.factories import (
    T0,
    a_brand,
    an_order,
    bearer,
    daytime_zone,
    deliver_scans,
    easypost_event,
    scans,
    shopper_order,
)
from tests.test_shopper_pages import a_parcel_page, csrf, page
from tests.worker_run import run_worker


def card_text(html, n: int = 0) -> str:
    return html.css("article.parcel")[n].text(separator=" ", strip=True)


async def test_a_delivered_parcel_says_when_it_came_and_promises_no_date(
    client, providers, arq_redis
):
    stub, settings = providers
    zone = daytime_zone()  # so the delivered message is not held for the morning
    _, key, order = await shopper_order(zone=zone)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)

    card = card_text(page(await client.get(f"/o/{order.access_token}")))
    # journey(): the fourth scan comes 18 h after the first, at 09:00 UTC on Nov 30.
    delivered = datetime(2026, 12, 1, 3, tzinfo=UTC)
    when = i18n.format_datetime(delivered, "en", zone)
    assert f"Delivered on {when}" in card
    assert "Estimated delivery" not in card

    query = {"order_number": "A-1001", "email": "ana@example.com"}
    [parcel] = (await client.get("/api/v1/track", params=query, headers=bearer(key))).json()[
        "parcels"
    ]
    assert parcel["estimated_delivery"] is None
    assert parcel["delivered_at"].startswith("2026-12-01T03:00:00")

    [email] = [e for e in stub.emails if "delivered" in e.json["subject"]]
    text = next(c["value"] for c in email.json["content"] if c["type"] == "text/plain")
    assert f"Delivered on {when}" in text and "Estimated delivery" not in text


@pytest.mark.parametrize(
    ("statuses", "shows_a_date"),
    [
        (("pre_transit",), True),
        (("pre_transit", "in_transit"), True),
        (("pre_transit", "in_transit", "return_to_sender"), False),
        (("pre_transit", "in_transit", "failure"), False),  # damaged, lost: no promise
    ],
)
async def test_a_date_is_shown_only_while_one_is_still_ahead(client, statuses, shows_a_date):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", *statuses)
    card = card_text(page(await client.get(f"/o/{order.access_token}")))
    assert ("Estimated delivery: Friday, December 4, 2026" in card) is shows_a_date


@pytest.mark.parametrize(
    ("statuses", "done"),
    [
        (("pre_transit",), ["Label created"]),
        (("pre_transit", "in_transit"), ["Label created", "On its way"]),
        (
            ("pre_transit", "in_transit", "delivered"),
            ["Label created", "On its way", "Nearly there", "Delivered"],
        ),
    ],
)
async def test_the_progress_bar_fills_only_the_steps_the_parcel_took(client, statuses, done):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", *statuses)
    html = page(await client.get(f"/o/{order.access_token}"))
    assert [li.text(strip=True) for li in html.css(".progress li.done")] == done


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Tue, Dec 1, 2026, 3:05\u202fPM GMT+01:00"),
        ("de", "Di., 1. Dez. 2026, 15:05 MEZ"),
        ("fr", "mar. 1 déc. 2026, 15:05 UTC+01:00"),
        ("es", "mar, 1 dic 2026, 15:05 CET"),
        ("nl", "di 1 dec 2026, 15:05 CET"),
    ],
)
def test_one_date_and_time_format_per_locale_without_seconds_and_with_the_zone(locale, expected):
    moment = datetime(2026, 12, 1, 14, 5, 33, tzinfo=UTC)
    assert i18n.format_datetime(moment, locale, "Europe/Berlin") == expected


def test_the_zone_is_the_customers_else_the_brands_else_utc():
    assert i18n.time_zone("Asia/Kolkata", "Europe/Berlin") == "Asia/Kolkata"
    assert i18n.time_zone(None, "Europe/Berlin") == "Europe/Berlin"
    assert i18n.time_zone("Not/AZone", "") == "UTC"


async def test_scans_read_in_the_pages_language_with_the_carriers_words_beneath(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    details = [
        ("pre_transit", "Shipment information sent to FedEx", T0),
        ("in_transit", "Arrived at FedEx location", T0.replace(hour=15), "arrived_at_facility"),
    ]
    await intake.store(adapter.parse(easypost_event("TN1", details)))
    await derive.refresh_tracking_number("TN1")

    html = page(await client.get(f"/o/{order.access_token}?lang=de"))
    said = [n.text(strip=True) for n in html.css(".timeline .event-text")]
    theirs = [n.text(strip=True) for n in html.css(".timeline .carrier-words")]
    assert said == ["Im Paketzentrum angekommen", "Versandetikett erstellt"]
    assert theirs == ["Arrived at FedEx location", "Shipment information sent to FedEx"]


async def test_scan_times_are_in_the_customers_zone_else_the_brands(client):
    brand, _ = await a_brand()
    brand.time_zone = "Europe/London"
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit")  # 09:00 UTC
    await Customer.filter(id=order.customer_id).update(time_zone=None)
    times = page(await client.get(f"/o/{order.access_token}?lang=de")).css(".timeline time")
    assert times[0].text(strip=True) == "Mo., 30. Nov. 2026, 09:00 GMT+00:00"

    await Customer.filter(id=order.customer_id).update(time_zone="Europe/Berlin")
    times = page(await client.get(f"/o/{order.access_token}?lang=de")).css(".timeline time")
    assert times[0].text(strip=True) == "Mo., 30. Nov. 2026, 10:00 MEZ"


@pytest.mark.parametrize("typed", ["no-2000", " NO-2000 ", "No-2000", "nO-2000"])
async def test_an_order_number_is_found_whatever_its_case_and_surrounding_spaces(client, typed):
    brand, _ = await a_brand()
    order = await an_order(brand, "NO-2000", "TN1")
    form = {"csrf_token": await csrf(client, "/track"), "order_number": typed, "postcode": "10115"}
    found = await client.post("/track", data=form)
    assert found.headers["location"] == f"/o/{order.access_token}"


async def test_an_order_number_typed_with_spaces_finds_one_stored_without(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "NO2000", "TN1")
    form = {
        "csrf_token": await csrf(client, "/track"),
        "order_number": "no 2000",
        "postcode": "10115",
    }
    found = await client.post("/track", data=form)
    assert found.headers["location"] == f"/o/{order.access_token}"


async def test_the_phone_field_takes_its_own_placeholder_and_a_national_number(client, settings):
    brand, _ = await a_brand()
    brand.settings = {"country": "GB"}
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    url = f"/o/{order.access_token}"
    html = page(await client.get(url))
    placeholder = html.css_first("#phone").attributes["placeholder"]
    assert placeholder == "07400 123456"

    form = {"csrf_token": await csrf(client, url), "sms": "1", "phone": placeholder, "scope": "all"}
    saved = await client.post(f"{url}/preferences", data=form)
    assert saved.headers["location"] == f"{url}?done=code_sent#confirm-phone"
    customer = await Customer.get(id=order.customer_id)
    assert customer.pending_phone == "+447400123456"


async def test_without_a_brand_country_the_destinations_reads_a_national_number(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")  # destination DE
    url = f"/o/{order.access_token}"
    form = {"csrf_token": await csrf(client, url), "sms": "1", "phone": "0151 2345 6789"}
    await client.post(f"{url}/preferences", data=form)
    assert (await Customer.get(id=order.customer_id)).pending_phone == "+4915123456789"


async def test_a_refused_form_redirects_so_reload_and_bookmarks_show_the_page(client):
    _, shipment, url, token = await a_parcel_page(client, delivery_options={"reroute": True})
    form = {"csrf_token": token, "kind": "reroute", "line1": "Somewhere 1"}
    refused = await client.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
    assert refused.status_code == 303
    assert refused.headers["location"] == f"{url}#parcel-{shipment.id}"

    shown = await client.get(url)
    assert shown.status_code == 422
    assert "Enter street, postcode and city." in page(shown).css_first("[role=alert]").text()
    reloaded = await client.get(url)
    assert reloaded.status_code == 200 and page(reloaded).css_first("[role=alert]") is None

    lookup = {"csrf_token": await csrf(client, "/track"), "order_number": "A-1001"}
    missing = await client.post("/track", data=lookup)
    assert (missing.status_code, missing.headers["location"]) == (303, "/track")
    again = await client.get("/track")
    assert again.status_code == 422
    assert page(again).css_first("#order_number").attributes["value"] == "A-1001"
    assert (await client.get("/track")).status_code == 200  # a bookmark, never a 405


async def test_a_report_joining_an_open_case_does_not_say_a_case_was_opened(client):
    _, shipment, url, token = await a_parcel_page(client)
    form = {"csrf_token": token, "kind": "late"}
    first = await client.post(f"{url}/parcels/{shipment.id}/report", data=form)
    second = await client.post(f"{url}/parcels/{shipment.id}/report", data=form)
    assert first.headers["location"].endswith("done=reported")
    assert second.headers["location"].endswith("done=report_joined")
    shown = page(await client.get(second.headers["location"])).css_first(".notice").text()
    assert "added your report to the case already open" in shown


async def test_a_delivery_request_is_repeated_back_on_its_parcel(client):
    _, shipment, url, token = await a_parcel_page(
        client, delivery_options={"choose_date": True, "pickup_point": True}
    )
    form = {"csrf_token": token, "kind": "pickup_point", "pickup_point": "Kiosk <5>"}
    await client.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
    await DeliveryRequest.create(
        shipment=shipment, kind="choose_date", details={"date": "2026-12-07"}
    )
    card = card_text(page(await client.get(url)))
    assert "You asked us to hold it at Kiosk <5>." in card
    assert "You asked for delivery on Monday, December 7, 2026." in card


async def test_the_photo_hint_names_every_format_taken(client):
    _, shipment, url, _ = await a_parcel_page(client)
    hint = page(await client.get(url)).css_first(f"label[for=photos-{shipment.id}]").text()
    assert "WebP" in hint


async def test_a_split_order_says_what_it_is_doing_as_a_whole_and_folds_old_scans(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2", "TN3")
    await scans("TN1", "pre_transit", "in_transit", "delivered")
    await scans("TN2", "pre_transit", "in_transit")
    await scans("TN3", "pre_transit")
    html = page(await client.get(f"/o/{order.access_token}"))
    assert html.css_first(".order-progress").text(strip=True) == (
        "1 of 3 delivered, 2 on the way, next expected Friday, December 4, 2026"
    )
    first = html.css("article.parcel")[0]
    assert len(first.css_first("ol.timeline").css("li")) == 1  # the newest scan, the rest folded
    assert first.css_first(".all-scans summary").text(strip=True) == "Show 2 earlier scans"

    one = await an_order(brand, "A-1002", "TN4")
    single = page(await client.get(f"/o/{one.access_token}"))
    assert single.css_first(".order-progress") is None and single.css_first(".all-scans") is None
