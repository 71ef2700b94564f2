"""The retailer registers orders and parcels; chatbots read a short status and a link."""

import asyncio

from porchlight.models import Customer, Order, Shipment, ShipmentItem
from tests.factories import a_brand, bearer, order_payload


async def test_a_retailer_registers_an_order_and_reads_it_back(client):
    _, key = await a_brand()
    created = await client.post("/api/v1/orders", json=order_payload(), headers=bearer(key))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["order_number"] == "A-1001"
    assert body["tracking_url"].startswith("https://track.example.com/o/")
    [parcel] = body["parcels"]
    assert parcel["tracking_number"] == "7712000001"
    assert parcel["status"] == "unknown"
    assert parcel["items"] == [{"sku": "MUG-01", "name": "Mug", "quantity": 2}]

    read = await client.get("/api/v1/orders/A-1001", headers=bearer(key))
    assert read.status_code == 200
    assert read.json() == body

    customer = await Customer.get()
    assert customer.email == "ana@example.com"
    assert customer.phone == "+4915112345678"
    order = await Order.get()
    assert order.postcode == "10115"
    assert len(order.access_token) >= 22  # ≥128 bits of randomness, URL-safe


async def test_sending_the_same_order_twice_updates_it_instead_of_duplicating(client):
    _, key = await a_brand()
    first = await client.post("/api/v1/orders", json=order_payload(), headers=bearer(key))
    again = order_payload(promised_delivery_date="2026-12-07")
    second = await client.post("/api/v1/orders", json=again, headers=bearer(key))
    assert (first.status_code, second.status_code) == (201, 200)
    assert await Order.all().count() == 1
    assert await Shipment.all().count() == 1
    assert await ShipmentItem.all().count() == 1
    assert second.json()["tracking_url"] == first.json()["tracking_url"]
    assert (await Order.get()).promised_delivery_date.isoformat() == "2026-12-07"


async def test_the_same_new_order_arriving_twice_at_once_is_stored_once(client):
    _, key = await a_brand()
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/orders", json=order_payload(), headers=bearer(key))
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in responses) in ([200, 201], [201, 201])
    assert await Order.all().count() == 1


async def test_a_second_parcel_joins_an_existing_order(client):
    _, key = await a_brand()
    await client.post("/api/v1/orders", json=order_payload(), headers=bearer(key))
    parcel = {"carrier": "ups", "tracking_number": "1z 999 aa1", "items": [{"sku": "PLATE"}]}
    response = await client.post(
        "/api/v1/orders/A-1001/shipments", json=parcel, headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    numbers = [p["tracking_number"] for p in response.json()["parcels"]]
    assert numbers == ["7712000001", "1Z999AA1"]


async def test_a_parcel_for_an_unknown_order_is_refused(client):
    _, key = await a_brand()
    parcel = {"carrier": "ups", "tracking_number": "1Z1"}
    response = await client.post("/api/v1/orders/NOPE/shipments", json=parcel, headers=bearer(key))
    assert response.status_code == 404


async def test_a_tracking_number_cannot_belong_to_two_orders_of_a_brand(client):
    _, key = await a_brand()
    await client.post("/api/v1/orders", json=order_payload("A-1", "TN1"), headers=bearer(key))
    response = await client.post(
        "/api/v1/orders", json=order_payload("A-2", "TN1"), headers=bearer(key)
    )
    assert response.status_code == 409
    assert "A-1" in response.json()["error"]


async def test_invalid_fields_are_named_one_by_one(client):
    _, key = await a_brand()
    payload = order_payload(placed_at="2026-11-28T10:00:00")
    payload["customer"].update(email="not-an-email", phone="12", time_zone="Mars/Base")
    payload["shipments"][0]["items"][0]["quantity"] = 0
    response = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {
        "placed_at",
        "customer.email",
        "customer.phone",
        "customer.time_zone",
        "shipments.0.items.0.quantity",
    }
    assert "time zone" in fields["placed_at"]


async def test_wrong_types_and_broken_json_get_a_clear_4xx(client):
    _, key = await a_brand()
    broken = await client.post(
        "/api/v1/orders", content=b'{"order_number": "A-1', headers=bearer(key)
    )
    assert broken.status_code == 400
    assert "JSON" in broken.json()["error"]
    wrong = await client.post("/api/v1/orders", json=[1, 2], headers=bearer(key))
    assert wrong.status_code == 422
    typed = await client.post(
        "/api/v1/orders", json=order_payload(shipments="many"), headers=bearer(key)
    )
    assert typed.status_code == 422
    assert "shipments" in typed.json()["fields"]


async def test_a_missing_or_wrong_key_is_refused(client):
    await a_brand()
    assert (await client.get("/api/v1/orders/A-1001")).status_code == 401
    wrong = await client.get("/api/v1/orders/A-1001", headers=bearer("pl_guess"))
    assert wrong.status_code == 401
    basic = await client.get("/api/v1/orders/A-1001", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401


async def test_a_brand_cannot_see_another_brands_order(client):
    _, northwind = await a_brand("northwind", "track.northwind.test")
    _, fjord = await a_brand("fjord", "track.fjord.test")
    await client.post("/api/v1/orders", json=order_payload(), headers=bearer(northwind))
    assert (await client.get("/api/v1/orders/A-1001", headers=bearer(fjord))).status_code == 404
    # The same order number is free for the other brand: numbers are per brand.
    payload = order_payload("A-1001", "FJ0001")
    own = await client.post("/api/v1/orders", json=payload, headers=bearer(fjord))
    assert own.status_code == 201


async def test_a_packing_photo_link_must_be_a_web_address(client):
    _, key = await a_brand()
    payload = order_payload()
    payload["shipments"][0]["photo_url"] = "javascript:alert(document.cookie)"
    refused = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert refused.status_code == 422 and "shipments.0.photo_url" in refused.json()["fields"]
    payload["shipments"][0]["photo_url"] = "https://photos.example.com/pack/1.jpg"
    assert (
        await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    ).status_code == 201


async def test_an_order_number_longer_than_any_order_has_is_a_404_not_a_crash(client):
    """92 non-ASCII characters in the path: no order can have that number (64 at most)."""
    _, key = await a_brand()
    await client.post("/api/v1/orders", json=order_payload(), headers=bearer(key))
    number = "ü€" * 46
    parcel = {"carrier": "dhl", "tracking_number": "TN-LONG"}
    for method, path, body in [
        ("POST", f"/api/v1/orders/{number}/shipments", parcel),
        ("POST", f"/api/v1/orders/{number}/returns", parcel),
        ("POST", f"/api/v1/orders/{number}/refunds", {"amount": "5.00", "currency": "EUR"}),
        ("GET", f"/api/v1/orders/{number}", None),
    ]:
        response = await client.request(method, path, json=body, headers=bearer(key))
        assert (response.status_code, response.json()["error"]) == (404, "no such order"), path
    assert await Shipment.all().count() == 1


async def test_a_brand_slug_longer_than_any_brand_has_is_refused_not_a_crash(client):
    """The webhooks and the console name the brand in the path, as the API names the order."""
    from tests.test_admin_brand import an_admin

    await a_brand()
    await an_admin(client)
    slug = "ü€" * 46
    for path in ("shopify", "easypost", "aftership", "shippo"):
        hook = await client.post(f"/hooks/{path}/{slug}", content=b"{}")
        assert hook.status_code == 403, path
    console = await client.get(f"/admin/brands/{slug}/integrations/shopify")
    assert console.status_code == 404
