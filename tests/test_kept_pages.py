"""Pages and cards are kept between views, yet nobody sees a stale one or another's token."""

from datetime import date, timedelta

import httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brands import forget_brands
from porchlight.models import Brand, Customer, DeliveryEstimate, Order, Shipment
from porchlight.platform.clock import utcnow
from portal.shopper.kept import kept
from tests.factories import (
    T0,
    a_brand,
    an_order,
    bearer,
    easypost_event,
    easypost_headers,
    journey,
    order_payload,
    scans,
)


def page(response: httpx.Response) -> HTMLParser:
    return HTMLParser(response.text)


async def deliver(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert response.status_code == 200


def statuses(response: httpx.Response) -> list[str]:
    return [h.text(strip=True) for h in page(response).css("article.parcel h2.status")]


async def test_a_new_scan_shows_on_the_very_next_view(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit")
    url = f"/o/{order.access_token}"
    before = await client.get(url)
    assert (await client.get(url)).text == before.text  # nothing new: the kept card
    await scans("TN1", "out_for_delivery", "delivered", start=T0 + timedelta(days=2))
    after = await client.get(url)
    assert statuses(before) == ["On its way"]
    assert statuses(after) == ["Delivered"]
    assert len(page(after).css(".timeline li")) == 4


async def test_a_carriers_new_date_shows_on_the_very_next_view(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    history = journey("pre_transit", "in_transit")
    await deliver(client, easypost_event("TN1", history))
    url = f"/o/{order.access_token}"
    assert "December 4, 2026" in page(await client.get(url)).css_first("p.eta").text()
    await deliver(client, easypost_event("TN1", history, est_delivery="2026-12-09"))
    assert "December 9, 2026" in page(await client.get(url)).css_first("p.eta").text()


async def test_the_htmx_refresh_of_one_card_sees_the_new_scan_too(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit")
    [first, _second] = await order.shipments.all().order_by("id")
    url = f"/o/{order.access_token}/parcels/{first.id}"
    htmx = {"HX-Request": "true"}
    assert "No scans yet" not in (await client.get(url, headers=htmx)).text
    await scans("TN1", "delivered", start=T0 + timedelta(days=1))
    refreshed = await client.get(url, headers=htmx)
    assert statuses(refreshed) == ["Delivered"]
    assert len(page(refreshed).css("article.parcel")) == 1


async def test_items_the_retailer_replaces_show_at_once(client):
    brand, key = await a_brand()
    await client.post("/api/v1/orders", json=order_payload(), headers=bearer(key))
    token = (await Order.get(brand=brand, number="A-1001")).access_token
    assert "2 items in this parcel" in (await client.get(f"/o/{token}")).text
    again = order_payload()
    again["shipments"][0]["items"] = [{"sku": "MUG-01", "name": "Mug", "quantity": 5}]
    assert (await client.post("/api/v1/orders", json=again, headers=bearer(key))).status_code in (
        200,
        201,
    )
    assert "5 items in this parcel" in (await client.get(f"/o/{token}")).text


async def test_a_kept_cards_forms_carry_the_links_token_and_work_for_every_shopper(app):
    brand, _ = await a_brand()
    brand.settings = {"delivery_options": {"pickup_point": True}}
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit")
    url = f"/o/{order.access_token}"
    tokens = []
    for _ in range(2):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://track.example.com"
        ) as shopper:
            shown = page(await shopper.get(url))
            [token] = {i.attributes["value"] for i in shown.css("input[name=csrf_token]")}
            shipment = (await order.shipments.all())[0]
            form = {"csrf_token": token, "kind": "pickup_point", "pickup_point": "Kiosk 5"}
            sent = await shopper.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
            assert sent.status_code == 303
            tokens.append(token)
    # No session's token: the link's (portal/csrf.py), so one kept page serves everyone.
    assert tokens[0] == tokens[1]


async def test_a_language_switch_renders_the_cards_in_that_language(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "delivered")
    url = f"/o/{order.access_token}"
    assert statuses(await client.get(f"{url}?lang=en")) == ["Delivered"]
    assert statuses(await client.get(f"{url}?lang=de")) == ["Zugestellt"]


async def test_turning_delivery_options_on_shows_them_on_the_next_view(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit")
    url = f"/o/{order.access_token}"
    assert page(await client.get(url)).css_first(".delivery-options") is None
    brand.settings = {"delivery_options": {"choose_date": True}}
    await brand.save()
    assert page(await client.get(url)).css_first(".delivery-options") is not None


def sms_ticked(response: httpx.Response) -> bool:
    return "checked" in page(response).css_first("input[name=sms]").attributes


async def test_a_stop_from_the_handset_shows_on_the_very_next_view(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await Customer.filter(id=order.customer_id).update(sms_opt_in=True, phone="+447700900123")
    url = f"/o/{order.access_token}"
    assert sms_ticked(await client.get(url))
    # Saved the way the SMS hook saves it: on the customer only, with no signal to anyone.
    await Customer.filter(id=order.customer_id).update(sms_opted_out_at=utcnow())
    assert not sms_ticked(await client.get(url))


async def test_a_brand_renamed_elsewhere_shows_once_the_brand_is_looked_up_again(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    url = f"/o/{order.access_token}"
    assert "Northwind" in page(await client.get(url)).css_first("header").text()
    await Brand.filter(id=brand.id).update(name="Southwind")
    forget_brands()  # what BRAND_CACHE_SECONDS does for a change made by another process
    assert "Southwind" in page(await client.get(url)).css_first("header").text()


async def test_a_confirmation_shows_only_on_the_view_it_was_meant_for(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    url = f"/o/{order.access_token}"
    assert page(await client.get(url)).css_first(".notice") is None
    assert page(await client.get(f"{url}?done=preferences")).css_first(".notice") is not None
    assert page(await client.get(url)).css_first(".notice") is None
    assert page(await client.get(f"{url}?done=<script>")).css_first(".notice") is None


def etas(response: httpx.Response) -> list[str]:
    return [p.text(strip=True) for p in page(response).css("p.eta")]


async def test_a_date_saved_late_with_an_older_time_still_shows(client):
    """Two parcels' webhooks at once: the one that commits last took its time first."""
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    for number in ("TN1", "TN2"):
        await deliver(client, easypost_event(number, journey("pre_transit", "in_transit")))
    newest = max(e.received_at for e in await DeliveryEstimate.all()) + timedelta(minutes=1)
    await DeliveryEstimate.filter(tracking_number="TN1").update(received_at=newest)
    url = f"/o/{order.access_token}"
    assert not any("December 9" in eta for eta in etas(await client.get(url)))
    await DeliveryEstimate.filter(tracking_number="TN2").update(
        estimated_delivery=date(2026, 12, 9), received_at=newest - timedelta(seconds=1)
    )
    assert any("December 9" in eta for eta in etas(await client.get(url)))


async def test_a_parcel_saved_late_with_an_older_time_still_shows(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    newest = max(s.updated_at for s in await Shipment.all()) + timedelta(minutes=1)
    await Shipment.filter(tracking_number="TN1").update(updated_at=newest)  # re-derived, say
    url = f"/o/{order.access_token}"
    assert "UPS TN2" not in (await client.get(url)).text
    await Shipment.filter(tracking_number="TN2").update(
        carrier="ups", updated_at=newest - timedelta(seconds=1)
    )
    assert "UPS TN2" in (await client.get(url)).text


async def test_made_up_card_ids_are_refused_and_keep_nothing(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    other = await an_order(brand, "A-1002", "TN2")
    [theirs] = await other.shipments.all()
    url = f"/o/{order.access_token}/parcels"
    await client.get(f"/o/{order.access_token}")
    kept_before = kept.cache_info().currsize
    for wanted in (theirs.id, 10**6, 10**6 + 1):
        refused = await client.get(f"{url}/{wanted}", headers={"HX-Request": "true"})
        assert refused.status_code == 404
    assert kept.cache_info().currsize == kept_before
