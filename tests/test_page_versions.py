"""A tracking page seen again costs one SELECT: the order's version goes up with every write to
what the page shows (whoever writes), the browser asks with the ETag it holds and hears 304,
and the page sets no cookie, so it is the same for every visitor while its forms still work."""

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.carriers.easypost import adapter
from porchlight.models import Customer, Order, Shipment
from porchlight.notifications.unsubscribe import unsubscribe_token
from porchlight.tracking import derive, intake
from tests.factories import (
    a_brand,
    an_order,
    bearer,
    deliver_scans,
    easypost_event,
    journey,
    order_payload,
    scans,
)
from tests.test_shopper_safety import QueryCounter

SECRET_KEY = "test-secret-key-with-enough-length"


async def version(order: Order) -> int:
    return (await Order.get(id=order.id)).version


def form_token(html: str) -> str:
    [token] = {i.attributes["value"] for i in HTMLParser(html).css("input[name=csrf_token]")}
    assert token
    return str(token)


@pytest.fixture
async def shop(client):
    """A brand, its API key and an order of one parcel with two scans."""
    brand, key = await a_brand()
    brand.settings = {"delivery_options": {"pickup_point": True}}
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit")
    return brand, key, order


# Every writer of what the page shows, each through its own way in.


async def test_scans_stored_by_a_webhook_raise_the_version(client, shop):
    _, _, order = shop
    before = await version(order)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    assert await version(order) > before


async def test_a_replayed_webhook_leaves_the_version_alone(client, shop):
    _, _, order = shop
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    before = await version(order)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    assert await version(order) == before


async def test_a_new_delivery_date_alone_raises_the_version(client, shop):
    _, _, order = shop
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")
    before = await version(order)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", estimate="2026-12-09T00:00:00Z")
    assert await version(order) > before


async def test_the_parcels_derived_state_raises_the_version(shop):
    _, _, order = shop
    body = easypost_event("TN1", journey("pre_transit", "in_transit", "delivered"))
    await intake.store(adapter.parse(body))
    before = await version(order)
    await derive.refresh_tracking_number("TN1")  # what the worker does after intake
    assert (await Shipment.get(tracking_number="TN1")).status == "delivered"
    assert await version(order) > before


async def test_a_carriers_cancellation_raises_the_version(client, shop):
    _, _, order = shop
    before = await version(order)
    await deliver_scans(client, "TN1", "pre_transit", "cancelled")
    assert await version(order) > before


async def test_a_parcel_added_through_the_api_raises_the_version(client, shop):
    _, key, order = shop
    before = await version(order)
    parcel = {"carrier": "ups", "tracking_number": "1Z1", "items": [{"sku": "PLATE"}]}
    added = await client.post("/api/v1/orders/A-1001/shipments", json=parcel, headers=bearer(key))
    assert added.status_code == 201
    assert await version(order) > before


async def test_a_return_registered_through_the_api_raises_the_version(client, shop):
    _, key, order = shop
    before = await version(order)
    parcel = {"carrier": "DHL", "tracking_number": "RET1", "items": [{"sku": "MUG-01"}]}
    made = await client.post("/api/v1/orders/A-1001/returns", json=parcel, headers=bearer(key))
    assert made.status_code == 201
    assert await version(order) > before


async def test_an_order_sent_again_with_other_items_raises_the_version(client, shop):
    _, key, order = shop
    before = await version(order)
    payload = order_payload("A-1001", "TN1")
    payload["shipments"][0]["items"] = [{"sku": "MUG-01", "name": "Mug", "quantity": 5}]
    sent = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert sent.status_code in (200, 201)
    assert await version(order) > before


async def test_a_refund_raises_the_version(client, shop):
    _, key, order = shop
    before = await version(order)
    refund = {"amount": "19.90", "currency": "eur", "external_id": "r-1"}
    made = await client.post("/api/v1/orders/A-1001/refunds", json=refund, headers=bearer(key))
    assert made.status_code == 201
    assert await version(order) > before


@pytest.mark.parametrize("scope", ["order", "all"])
async def test_saved_preferences_raise_the_version(client, shop, scope):
    _, _, order = shop
    url = f"/o/{order.access_token}"
    token = form_token((await client.get(url)).text)
    before = await version(order)
    form = {"csrf_token": token, "email": "1", "locale": "nl", "scope": scope}
    assert (await client.post(f"{url}/preferences", data=form)).status_code == 303
    assert await version(order) > before


async def test_a_delivery_request_raises_the_version(client, shop):
    _, _, order = shop
    url = f"/o/{order.access_token}"
    token = form_token((await client.get(url)).text)
    shipment = await Shipment.get(tracking_number="TN1")
    before = await version(order)
    form = {"csrf_token": token, "kind": "pickup_point", "pickup_point": "Kiosk 5"}
    sent = await client.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
    assert sent.status_code == 303
    assert await version(order) > before


async def test_an_unsubscribe_raises_the_version_of_every_order_of_the_customer(client, shop):
    brand, _, order = shop
    other = await an_order(brand, "A-1002", "TN2")
    before = [await version(order), await version(other)]
    customer = await Customer.get(id=order.customer_id)  # type: ignore[attr-defined]
    link = f"/unsubscribe/{unsubscribe_token(SECRET_KEY, customer)}"
    assert (await client.post(link, data={"List-Unsubscribe": "One-Click"})).status_code == 200
    assert await version(order) > before[0] and await version(other) > before[1]


async def test_a_save_from_a_stale_copy_of_the_order_cannot_take_the_version_back(shop):
    _, _, order = shop
    stale = await Order.get(id=order.id)
    await scans("TN1", "pre_transit", "in_transit", "out_for_delivery")
    moved = await version(order)
    assert moved > stale.version
    stale.notify_sms = True
    await stale.save()
    assert await version(order) > moved


# What the browser sees.


async def test_a_repeat_view_is_a_304_for_one_select(client, shop):
    _, _, order = shop
    url = f"/o/{order.access_token}"
    first = await client.get(url)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    with QueryCounter() as queries:
        again = await client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    assert again.headers["x-robots-tag"] == "noindex, nofollow"
    assert "content-security-policy" in again.headers
    assert queries.count == 1
    weak = await client.get(url, headers={"If-None-Match": f'"other", W/{tag}'})
    assert weak.status_code == 304


async def test_a_changed_order_is_a_200_with_a_new_etag(client, shop):
    _, _, order = shop
    url = f"/o/{order.access_token}"
    tag = (await client.get(url)).headers["etag"]
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    changed = await client.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert "out for delivery" in changed.text.lower()


async def test_another_language_is_another_etag(client, shop):
    _, _, order = shop
    url = f"/o/{order.access_token}"
    tag = (await client.get(url)).headers["etag"]
    german = await client.get(f"{url}?lang=de", headers={"If-None-Match": tag})
    assert german.status_code == 200 and german.headers["etag"] != tag


async def test_a_parcel_card_is_a_304_while_its_order_is_unchanged(client, shop):
    _, _, order = shop
    shipment = await Shipment.get(tracking_number="TN1")
    url = f"/o/{order.access_token}/parcels/{shipment.id}"
    htmx = {"HX-Request": "true"}
    card = await client.get(url, headers=htmx)
    assert card.status_code == 200
    again = await client.get(url, headers={**htmx, "If-None-Match": card.headers["etag"]})
    assert again.status_code == 304
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    moved = await client.get(url, headers={**htmx, "If-None-Match": card.headers["etag"]})
    assert moved.status_code == 200
    missing = f"/o/{order.access_token}/parcels/{shipment.id + 1000}"
    assert (await client.get(missing, headers=htmx)).status_code == 404
    assert (await client.get(missing)).status_code == 404


async def test_a_shopper_get_sets_no_cookie(client, shop):
    _, _, order = shop
    shipment = await Shipment.get(tracking_number="TN1")
    for url in (
        f"/o/{order.access_token}",
        f"/o/{order.access_token}/parcels/{shipment.id}",
        f"/o/{order.access_token}?done=preferences",
    ):
        for headers in ({}, {"HX-Request": "true"}):
            response = await client.get(url, headers=headers)
            assert response.status_code == 200
            assert "set-cookie" not in response.headers, url
    assert not client.cookies


async def test_every_visitor_gets_the_same_page_and_its_forms_work_without_a_cookie(app, shop):
    import httpx

    _, _, order = shop
    url = f"/o/{order.access_token}"
    shipment = await Shipment.get(tracking_number="TN1")
    visitors = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://track.example.com"
        )
        for _ in range(2)
    ]
    pages = [await visitor.get(url) for visitor in visitors]
    assert pages[0].text == pages[1].text
    assert pages[0].headers["etag"] == pages[1].headers["etag"]
    for visitor, shown in zip(visitors, pages, strict=True):
        form = {"csrf_token": form_token(shown.text), "kind": "pickup_point"}
        form["pickup_point"] = "Kiosk 5"
        sent = await visitor.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
        assert sent.status_code == 303
        await visitor.aclose()


async def test_a_links_token_opens_no_other_orders_forms_and_no_other_sites_post(client, shop):
    brand, _, order = shop
    other = await an_order(brand, "A-1002", "TN2")
    token = form_token((await client.get(f"/o/{order.access_token}")).text)
    form = {"csrf_token": token, "email": "1", "scope": "order"}
    elsewhere = await client.post(f"/o/{other.access_token}/preferences", data=form)
    assert elsewhere.status_code == 403
    forged = await client.post(
        f"/o/{order.access_token}/preferences", data=form, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403
    header = await client.post(
        f"/o/{order.access_token}/preferences",
        data={"email": "1", "scope": "order"},
        headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "same-origin"},
    )
    assert header.status_code == 303


async def test_a_refused_form_shows_its_error_once_then_the_kept_page(client, shop):
    _, _, order = shop
    url = f"/o/{order.access_token}"
    token = form_token((await client.get(url)).text)
    form = {"csrf_token": token, "sms": "1", "phone": "12", "scope": "all"}
    refused = await client.post(f"{url}/preferences", data=form, follow_redirects=True)
    assert refused.status_code == 422 and "etag" not in refused.headers
    again = await client.get(url)
    assert again.status_code == 200 and "etag" in again.headers
