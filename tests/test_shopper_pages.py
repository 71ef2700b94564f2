"""A shopper finds their order and sees every parcel, in their language, on the brand's host."""

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.models import Case, CaseEntry, DeliveryRequest, Order
from tests.factories import a_brand, an_order, scans


def page(response) -> HTMLParser:
    return HTMLParser(response.text)


async def csrf(client, url: str) -> str:
    return page(await client.get(url)).css_first("input[name=csrf_token]").attributes["value"]


async def a_parcel_page(client, **brand_settings):
    """Order A-1001's one parcel on a brand with `brand_settings`: the brand, the parcel, the
    order page's URL and a CSRF token for its forms."""
    brand, _ = await a_brand()
    brand.settings = brand_settings
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    [shipment] = await order.shipments.all()
    url = f"/o/{order.access_token}"
    return brand, shipment, url, await csrf(client, url)


async def test_a_shopper_looks_up_an_order_by_postcode_and_sees_both_parcels(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit", "delivered")
    await scans("TN2", "pre_transit")
    token = await csrf(client, "/track")
    form = {"csrf_token": token, "order_number": " a-1001 ".upper(), "postcode": "10 115"}
    found = await client.post("/track", data=form)
    assert found.status_code == 303
    assert found.headers["location"] == f"/o/{order.access_token}"

    shown = await client.get(found.headers["location"])
    assert shown.status_code == 200
    html = page(shown)
    counts = [n.text(strip=True) for n in html.css(".parcel-count")]
    assert counts[0].startswith("Parcel 1 of 2") and counts[1].startswith("Parcel 2 of 2")
    assert [n.text(strip=True) for n in html.css("h2.status")] == [
        "Delivered",
        "Label created, waiting for the carrier",
    ]
    first_parcel = html.css("article.parcel")[0]
    newest_first = [n.text(strip=True) for n in first_parcel.css(".event-text")]
    assert newest_first[0] == "Delivered"
    assert first_parcel.css(".carrier-words")[0].text(strip=True) == "scan 2: delivered"
    assert shown.headers["x-robots-tag"].startswith("noindex")
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in shown.headers["content-security-policy"]


async def test_a_newcomer_opening_a_brands_address_lands_on_its_lookup_form(client):
    await a_brand("northwind", "track.example.com")
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200 and home.url.path == "/track"
    assert page(home).css_first("input[name=order_number]") is not None
    assert "Northwind" in home.text


async def test_an_address_no_brand_serves_leads_to_the_agents_sign_in_naming_no_brand(client):
    await a_brand("northwind", "track.example.com")
    home = await client.get("http://203.0.113.9:8000/", follow_redirects=True)
    assert home.status_code == 200 and home.url.path == "/agent/login"
    assert "Northwind" not in home.text


async def test_email_lookup_ignores_case_and_spaces(client):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    token = await csrf(client, "/track")
    form = {"csrf_token": token, "order_number": "A-1001", "email": "  ANA@example.COM "}
    assert (await client.post("/track", data=form)).status_code == 303


async def test_a_wrong_email_and_a_missing_order_get_the_same_refusal(client):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    token = await csrf(client, "/track")
    wrong = await client.post(
        "/track",
        data={"csrf_token": token, "order_number": "A-1001", "email": "eve@example.com"},
        follow_redirects=True,
    )
    missing = await client.post(
        "/track",
        data={"csrf_token": token, "order_number": "A-9999", "email": "eve@example.com"},
        follow_redirects=True,
    )
    assert wrong.status_code == missing.status_code == 404
    assert (
        page(wrong).css_first("[role=alert]").text()
        == page(missing).css_first("[role=alert]").text()
    )
    assert "Ana" not in wrong.text and "10115" not in wrong.text


async def five_wrong_guesses_then_the_right_one(client, host: str = "track.example.com"):
    """Order A-1001 looked up with five wrong postcodes (each refused), then its right one."""
    brand, _ = await a_brand(host=host)
    await an_order(brand, "A-1001", "TN1")
    token = await csrf(client, "/track")
    for guess in range(5):
        form = {"csrf_token": token, "order_number": "A-1001", "postcode": f"9{guess}999"}
        assert (await client.post("/track", data=form, follow_redirects=True)).status_code == 404
    right = {"csrf_token": token, "order_number": "A-1001", "postcode": "10115"}
    return await client.post("/track", data=right, follow_redirects=True)


async def test_guessing_is_rate_limited_per_order_number(client):
    blocked = await five_wrong_guesses_then_the_right_one(client)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 900
    assert "Too many attempts" in page(blocked).css_first("[role=alert]").text()


async def test_a_lookup_without_the_forms_token_is_refused(client):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    response = await client.post("/track", data={"order_number": "A-1001", "postcode": "10115"})
    assert response.status_code == 403


async def test_an_unknown_host_gets_a_neutral_404(client):
    await a_brand()
    response = await client.get("/track", headers={"host": "unknown.example.net"})
    assert response.status_code == 404
    assert "Northwind" not in response.text


async def test_a_mistyped_order_link_points_the_shopper_to_the_lookup_form(client):
    await a_brand()
    response = await client.get("/o/" + "A" * 32)
    assert response.status_code == 404
    assert '<a href="/track">Track your order</a>' in response.text
    assert "Northwind" not in response.text  # a guessed link still learns no brand


async def test_a_new_brand_and_a_brand_change_show_at_once_despite_the_host_cache(client):
    assert (await client.get("/track", headers={"host": "track.fjord.test"})).status_code == 404
    fjord, _ = await a_brand("fjord", "track.fjord.test")
    shown = await client.get("/track", headers={"host": "track.fjord.test"})
    assert shown.status_code == 200
    assert "Fjord" in shown.text
    fjord.name = "Fjord & Co"
    await fjord.save()
    renamed = await client.get("/track", headers={"host": "track.fjord.test"})
    assert "Fjord &amp; Co" in renamed.text


async def test_an_order_link_only_works_on_its_own_brands_host(client):
    northwind, _ = await a_brand("northwind", "track.example.com")
    await a_brand("fjord", "track.fjord.test")
    order = await an_order(northwind, "A-1001", "TN1")
    assert (await client.get(f"/o/{order.access_token}")).status_code == 200
    other = await client.get(f"/o/{order.access_token}", headers={"host": "track.fjord.test"})
    assert other.status_code == 404
    guessed = await client.get("/o/" + "A" * 32)
    assert guessed.status_code == 404


async def test_the_page_speaks_german_when_asked_and_remembers_it(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "delivered")
    german = await client.get(f"/o/{order.access_token}?lang=de")
    assert page(german).css_first("html").attributes["lang"] == "de"
    assert page(german).css_first("h2.status").text(strip=True) == "Zugestellt"
    again = await client.get(f"/o/{order.access_token}")
    assert page(again).css_first("html").attributes["lang"] == "de"


async def test_accept_language_picks_the_language_when_nothing_was_chosen(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    response = await client.get(
        f"/o/{order.access_token}", headers={"accept-language": "fr-CH, fr;q=0.9, en;q=0.8"}
    )
    assert page(response).css_first("html").attributes["lang"] == "fr"


async def test_a_parcel_refreshes_in_place_for_htmx(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    shipment = (await order.shipments.all())[0]
    response = await client.get(
        f"/o/{order.access_token}/parcels/{shipment.id}", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert page(response).css_first("html") is None or "<html" not in response.text
    assert page(response).css_first(f"#parcel-{shipment.id}") is not None


async def test_a_shopper_subscribes_to_sms_for_this_order(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    url = f"/o/{order.access_token}"
    form = {
        "csrf_token": await csrf(client, url),
        "email": "1",
        "sms": "1",
        "phone": "+44 7911 123456",
        "locale": "nl",
        "scope": "order",
    }
    saved = await client.post(f"{url}/preferences", data=form)
    assert saved.status_code == 303
    order = await Order.get(id=order.id).select_related("customer")
    assert (order.notify_email, order.notify_sms) == (True, True)
    # The typed number waits for the code texted to it (tests/test_phone_confirmation.py).
    assert (order.customer.phone, order.customer.pending_phone) == (
        "+4915112345678",
        "+447911123456",
    )
    assert order.customer.locale == "nl"


async def test_a_bad_phone_number_is_explained_not_saved(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    url = f"/o/{order.access_token}"
    form = {"csrf_token": await csrf(client, url), "sms": "1", "phone": "12", "scope": "all"}
    response = await client.post(f"{url}/preferences", data=form, follow_redirects=True)
    assert response.status_code == 422
    assert "country code" in page(response).css_first("#preferences [role=alert]").text()
    assert (await Order.get(id=order.id)).notify_sms is None


async def test_a_shopper_reports_a_damaged_parcel_with_a_photo(client, settings):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "delivered")
    shipment = (await order.shipments.all())[0]
    url = f"/o/{order.access_token}"
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    response = await client.post(
        f"{url}/parcels/{shipment.id}/report",
        data={
            "csrf_token": await csrf(client, url),
            "kind": "damaged",
            "text": "<script>alert(1)</script> box crushed",
        },
        files={"photos": ("box.png", photo, "image/png")},
    )
    assert response.status_code == 303
    case = await Case.get(shipment=shipment)
    assert case.type == "damage_reported" and case.source == "shopper"
    entry = await CaseEntry.get(case=case)
    assert entry.body.startswith("<script>")  # stored as written, escaped where shown
    [name] = entry.data["photos"]
    assert name.endswith(".png")
    shown = await client.get(f"{url}?done=reported")
    assert "<script>alert(1)</script>" not in shown.text


async def test_a_fake_photo_is_refused(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "delivered")
    shipment = (await order.shipments.all())[0]
    url = f"/o/{order.access_token}"
    response = await client.post(
        f"{url}/parcels/{shipment.id}/report",
        data={"csrf_token": await csrf(client, url), "kind": "damaged"},
        files={"photos": ("evil.png", b"<?php system($_GET['c']); ?>", "image/png")},
        follow_redirects=True,
    )
    assert response.status_code == 422
    assert await Case.all().count() == 0


async def test_delivery_options_are_offered_only_while_the_parcel_can_change(client):
    brand, _ = await a_brand()
    brand.settings = {"delivery_options": {"choose_date": True, "pickup_point": True}}
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit")
    await scans("TN2", "pre_transit", "out_for_delivery")
    html = page(await client.get(f"/o/{order.access_token}"))
    [first, second] = html.css("article.parcel")
    assert first.css_first(".delivery-options") is not None
    assert second.css_first(".delivery-options") is None


async def test_a_pickup_point_request_is_stored_and_shown(client, arq_redis):
    _, shipment, url, token = await a_parcel_page(client, delivery_options={"pickup_point": True})
    form = {
        "csrf_token": token,
        "kind": "pickup_point",
        "pickup_point": "Kiosk Invalidenstr. 5",
    }
    assert (
        await client.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
    ).status_code == 303
    change = await DeliveryRequest.get(shipment=shipment)
    assert change.details == {"pickup_point": "Kiosk Invalidenstr. 5"}
    assert [j.function for j in await arq_redis.queued_jobs()] == ["forward_delivery_request"]
    shown = page(await client.get(url))
    notice = shown.css_first("article.parcel .notice").text()
    assert "You asked us to hold it at Kiosk Invalidenstr. 5." in notice


async def test_guessing_from_many_addresses_is_still_stopped_per_order(app, client):
    import httpx

    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")

    async def from_address(address: str, postcode: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(
            transport=transport, base_url="https://track.example.com"
        ) as c:
            token = await csrf(c, "/track")
            form = {"csrf_token": token, "order_number": "A-1001", "postcode": postcode}
            return await c.post("/track", data=form, follow_redirects=True)

    for n in range(5):
        assert (await from_address(f"203.0.113.{n}", f"9{n}999")).status_code == 404
    assert (await from_address("198.51.100.7", "10115")).status_code == 429


async def test_a_brand_that_says_sie_gets_the_formal_wording_and_can_switch_back(client):
    brand, _ = await a_brand()
    brand.settings = {"tone": "formal"}
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit")
    formal = page(await client.get(f"/o/{order.access_token}?lang=de")).text()
    assert "Sie müssen nichts tun: Wir sagen Ihnen Bescheid" in formal
    assert "Bestellnummer" in page(await client.get("/track?lang=de")).text()  # falls back
    assert "Geben Sie Ihre Bestellnummer" in page(await client.get("/track?lang=de")).text()
    brand.settings = {}
    await brand.save()
    informal = page(await client.get(f"/o/{order.access_token}?lang=de")).text()
    assert "Du musst nichts tun: Wir sagen dir Bescheid" in informal
    spanish = page(await client.get("/track?lang=es")).text()
    assert "Introduce tu número de pedido" in spanish
