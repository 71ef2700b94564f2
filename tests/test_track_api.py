"""A chatbot asks where an order is and gets one sentence, a status per parcel and the link."""

from datetime import UTC, datetime, timedelta

from tests.factories import a_brand, an_order, bearer, scans


async def test_a_chatbot_gets_a_short_status_in_the_asked_language(client):
    brand, key = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit", "delivered")
    await scans("TN2", "pre_transit", "in_transit")
    response = await client.get(
        "/api/v1/track",
        params={"order_number": "A-1001", "email": "ana@example.com", "lang": "de"},
        headers=bearer(key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "de"
    assert body["summary"].startswith("1 von 2 Paketen zugestellt.")
    assert "Unterwegs" in body["summary"]
    assert body["tracking_url"] == f"https://track.example.com/o/{order.access_token}"
    assert [(p["tracking_number"], p["status"], p["status_text"]) for p in body["parcels"]] == [
        ("TN1", "delivered", "Zugestellt"),
        ("TN2", "in_transit", "Unterwegs"),
    ]


async def test_the_summary_names_the_expected_day(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit", start=datetime.now(UTC) - timedelta(days=1))
    response = await client.get(
        "/api/v1/track",
        params={"order_number": "A-1001", "postcode": "10115"},
        headers=bearer(key),
    )
    assert response.json()["summary"] == "On its way, expected Friday, December 4, 2026."


async def test_a_wrong_email_and_an_unknown_order_get_the_same_404(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    wrong = await client.get(
        "/api/v1/track",
        headers=bearer(key),
        params={"order_number": "A-1001", "email": "eve@example.com"},
    )
    unknown = await client.get(
        "/api/v1/track",
        headers=bearer(key),
        params={"order_number": "Z-1", "email": "ana@example.com"},
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


async def test_the_chatbot_needs_the_brands_key_and_a_second_factor(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    assert (await client.get("/api/v1/track?order_number=A-1001&postcode=10115")).status_code == 401
    bare = await client.get("/api/v1/track?order_number=A-1001", headers=bearer(key))
    assert bare.status_code == 422


async def test_the_openapi_document_describes_every_api_route(client):
    document = (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/orders",
        "/orders/{number}",
        "/orders/{number}/shipments",
        "/orders/{number}/returns",
        "/orders/{number}/refunds",
        "/track",
        "/contacts",
    }
    order_in = document["components"]["schemas"]["OrderIn"]
    assert {"order_number", "customer", "destination"} <= set(order_in["required"])
    post = document["paths"]["/orders"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("OrderIn")
    assert set(post["responses"]) >= {"200", "201", "401", "422"}
