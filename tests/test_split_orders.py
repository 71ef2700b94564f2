"""A split order says what is still to come: "N of M" counts the parcels the retailer announced,
and the page and the message list the order lines no parcel carries yet."""

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.models import Notification, Order
from tests.factories import (
    a_brand,
    an_order,
    bearer,
    deliver_scans,
    email_text,
    order_payload,
    scans,
    shopper_order,
)
from tests.test_notifications import minutes_pass
from tests.worker_run import run_worker

LINES = [
    {"sku": "MUG-01", "name": "Mug", "quantity": 4},  # two in each registered parcel
    {"sku": "PLATE-01", "name": "Plate", "quantity": 1},  # not shipped yet
]


async def test_parcels_shipping_together_send_one_split_message_naming_whats_still_to_come(
    client, providers, arq_redis
):
    stub, settings = providers
    _, _, order = await shopper_order("A-1001", "TN1", "TN2")
    await Order.filter(id=order.id).update(expected_parcels=3, items=LINES)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")
    await deliver_scans(client, "TN2", "pre_transit", "in_transit")
    await run_worker(settings, arq_redis)
    await minutes_pass(11, settings, arq_redis)  # the group hold
    [email] = stub.emails
    assert email.json["subject"] == "2 of 3 parcels of order A-1001 have shipped"
    text = email_text(email)
    assert "TN1" in text and "TN2" in text and f"/o/{order.access_token}" in text
    assert "Parcel 1 of 3" in text and "Parcel 2 of 3" in text
    assert "1 more parcel is still to come." in text
    assert "Still to ship: 1 × Plate." in text
    html = next(c["value"] for c in email.json["content"] if c["type"] == "text/html")
    assert "Still to ship: 1 × Plate." in html
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")  # a replay
    await run_worker(settings, arq_redis)
    assert len(stub.emails) == 1
    assert await Notification.filter(trigger="shipped", status="sent").count() == 2  # one email


async def test_a_single_parcel_of_an_order_of_two_is_one_of_two_in_german(
    client, providers, arq_redis
):
    stub, settings = providers
    _, _, order = await shopper_order(locale="de")
    await Order.filter(id=order.id).update(expected_parcels=2)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")
    await run_worker(settings, arq_redis)
    [email] = stub.emails
    assert email.json["subject"] == "1 von 2 Paketen der Bestellung A-1001 sind verschickt"
    assert "1 weiteres Paket folgt noch." in email_text(email)


async def test_an_order_sent_whole_says_nothing_is_still_to_come(client, providers, arq_redis):
    stub, settings = providers
    _, _, order = await shopper_order()
    await Order.filter(id=order.id).update(items=[{"sku": "MUG-01", "name": "Mug", "quantity": 2}])
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")
    await run_worker(settings, arq_redis)
    [email] = stub.emails
    assert email.json["subject"] == "Your order A-1001 has shipped"
    assert "still to come" not in email_text(email) and "Still to ship" not in email_text(email)


async def test_the_retailer_announces_parcels_and_lines_and_the_page_shows_them(client):
    _, key = await a_brand()
    payload = order_payload("A-1001", "TN1", expected_parcels=3, items=LINES)
    created = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert created.status_code == 201, created.text
    assert created.json()["expected_parcels"] == 3
    html = HTMLParser((await client.get(created.json()["tracking_url"])).text)
    assert html.css_first(".parcel-count").text(strip=True).startswith("Parcel 1 of 3")
    box = html.css_first("section.still-to-come")
    assert "2 more parcels will follow" in box.text()
    assert [li.text(strip=True) for li in box.css("li")] == ["2 × Mug", "1 × Plate"]


async def test_the_order_line_at_the_top_counts_the_parcels_still_to_ship(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2", expected_parcels=4)
    await scans("TN1", "pre_transit", "in_transit", "delivered")
    await scans("TN2", "pre_transit", "in_transit")
    html = HTMLParser((await client.get(f"/o/{order.access_token}")).text)
    line = html.css_first(".order-progress").text(strip=True)
    assert line.startswith("1 of 4 delivered, 1 on the way, 2 to follow, next expected")
    assert html.css_first(".parcel-count").text(strip=True).startswith("Parcel 1 of 4")


async def test_expected_parcels_out_of_range_is_a_422_naming_the_field(client):
    _, key = await a_brand()
    payload = order_payload("A-1001", "TN1", expected_parcels=0)
    refused = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert refused.status_code == 422
    assert "expected_parcels" in refused.json()["fields"]
