"""Where is my return? The retailer registers it, the page shows its own steps from the label to
the refund, and the shopper hears "we've got your return" and "your refund is on its way" once
each, from the API and from an agent's refund."""

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.models import Customer, Notification, Refund
from tests.factories import a_brand, bearer, daytime_zone, deliver_scans, email_text, shopper_order
from tests.test_agent_workspace import a_case, an_agent, signed_in_token
from tests.worker_run import run_worker

RETURN = {
    "carrier": "DHL",
    "tracking_number": "ret 001",
    "items": [{"sku": "MUG-01", "name": "Mug", "quantity": 1}],
}
REFUND = {"amount": "19.90", "currency": "eur", "method": "original_payment", "external_id": "r-1"}


async def return_card(client, order):
    html = HTMLParser((await client.get(f"/o/{order.access_token}")).text)
    [card] = [c for c in html.css("article.parcel") if "Return 1 of 1" in c.text()]
    done = [li.text(strip=True) for li in card.css(".return-steps li.done")]
    current = card.css_first(".return-steps li[aria-current=step]").text(strip=True)
    return card, done, current


async def a_registered_return(client, locale="en"):
    _, key, order = await shopper_order(locale=locale)
    response = await client.post("/api/v1/orders/A-1001/returns", json=RETURN, headers=bearer(key))
    assert response.status_code == 201, response.text
    return key, order, response


async def test_a_return_goes_from_label_to_refund_on_the_page_and_in_two_messages(
    client, providers, arq_redis
):
    stub, settings = providers
    key, order, registered = await a_registered_return(client)
    [parcel] = [p for p in registered.json()["parcels"] if p["direction"] == "return"]
    assert (parcel["tracking_number"], parcel["carrier"]) == ("RET001", "dhl")
    card, done, current = await return_card(client, order)
    assert (done, current) == (["Label created"], "Label created")
    assert card.css_first("h2.status").text(strip=True).startswith("Waiting for the carrier")

    await deliver_scans(client, "RET001", "pre_transit", "in_transit", "in_transit")
    await run_worker(settings, arq_redis)
    _, done, current = await return_card(client, order)
    assert current == "On its way to us"
    assert stub.received == [], "the return's own scans send no outbound message"

    await deliver_scans(client, "RET001", "pre_transit", "in_transit", "in_transit", "delivered")
    await run_worker(settings, arq_redis)
    [received] = stub.emails
    assert received.json["subject"] == "We received your return for order A-1001"
    _, _, current = await return_card(client, order)
    assert current == "Received"

    refunded = await client.post("/api/v1/orders/A-1001/refunds", json=REFUND, headers=bearer(key))
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["amount"] == "19.90" and refunded.json()["currency"] == "EUR"
    await run_worker(settings, arq_redis)
    refund_email = stub.emails[-1]
    assert refund_email.json["subject"] == "Your refund for order A-1001 has been issued"
    assert "We have refunded €19.90." in email_text(refund_email)
    card, done, current = await return_card(client, order)
    assert current == "Refund issued" and len(done) == 5
    assert card.css_first("h2.status").text(strip=True) == "Refund issued"

    again = await client.post("/api/v1/orders/A-1001/refunds", json=REFUND, headers=bearer(key))
    assert again.status_code == 200  # the store resent it: recorded once, nothing sent again
    await deliver_scans(client, "RET001", "pre_transit", "in_transit", "in_transit", "delivered")
    await run_worker(settings, arq_redis)
    assert len(stub.emails) == 2
    assert await Refund.all().count() == 1
    assert await Notification.filter(status="sent").values_list("trigger", flat=True) == [
        "return_received",
        "refund_issued",
    ]


async def test_the_refund_message_speaks_the_customers_language(client, providers, arq_redis):
    stub, settings = providers
    key, _, _ = await a_registered_return(client, locale="fr")
    refunded = await client.post("/api/v1/orders/A-1001/refunds", json=REFUND, headers=bearer(key))
    assert refunded.status_code == 201
    await run_worker(settings, arq_redis)
    [email] = stub.emails
    assert email.json["subject"] == "Le remboursement de votre commande A-1001 a été effectué"
    assert "Nous vous avons remboursé 19,90\xa0€." in email_text(email)


async def test_an_agents_refund_tells_the_shopper_once(client, providers, arq_redis):
    stub, settings = providers
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    await Customer.all().update(time_zone=daytime_zone(), locale="en")
    token = await signed_in_token(client, "agent@northwind.test")
    for _ in range(2):  # a double submit records two refunds but tells the shopper once
        response = await client.post(
            f"/agent/cases/{case.id}/customer",
            data={"action": "refund", "amount": "24.50", "currency": "EUR", "csrf_token": token},
        )
        assert response.status_code == 303
    await run_worker(settings, arq_redis)
    refunds = [e for e in stub.emails if "refund" in e.json["subject"]]
    assert len(refunds) == 1
    assert "We have refunded €24.50." in email_text(refunds[0])
    assert await Refund.filter(source="agent").count() == 2


async def test_a_refund_of_an_order_without_parcels_is_recorded_and_sends_nothing(
    client, providers, arq_redis
):
    from porchlight.models import Order, Shipment

    stub, settings = providers
    _, key, order = await shopper_order()
    await Shipment.filter(order_id=order.id).delete()
    refunded = await client.post("/api/v1/orders/A-1001/refunds", json=REFUND, headers=bearer(key))
    assert refunded.status_code == 201
    await run_worker(settings, arq_redis)
    assert stub.received == [] and await Notification.all().count() == 0
    assert await Refund.filter(order_id=(await Order.get(number="A-1001")).id).count() == 1


async def test_bad_returns_and_refunds_are_4xx_naming_the_field(client):
    _, key, _ = await shopper_order()
    for path, body, field in [
        ("returns", {"carrier": "dhl"}, "tracking_number"),
        ("refunds", {**REFUND, "amount": "-1"}, "amount"),
        ("refunds", {**REFUND, "currency": "euro"}, "currency"),
    ]:
        response = await client.post(
            f"/api/v1/orders/A-1001/{path}", json=body, headers=bearer(key)
        )
        assert response.status_code == 422, (path, body)
        assert field in response.json()["fields"]
    missing = await client.post("/api/v1/orders/NOPE/refunds", json=REFUND, headers=bearer(key))
    assert missing.status_code == 404
    taken = await client.post(
        "/api/v1/orders/A-1001/returns",
        json={**RETURN, "tracking_number": "TN1"},
        headers=bearer(key),
    )
    assert taken.status_code == 409  # the order's own outbound parcel never turns into a return
    assert "outbound parcel" in taken.json()["error"]
