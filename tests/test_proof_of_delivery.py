"""Proof of delivery: who signed for a parcel, from the aggregator's body to the delivered step,
shown to the shopper only once they looked the order up with their own details."""

import json

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.carriers.aftership import adapter as aftership
from porchlight.enums import ShipmentStatus
from porchlight.models import Shipment, TrackingEvent
from porchlight.tracking import derive
from tests.conftest import FIXTURES, client_for
from tests.factories import a_brand, an_order, easypost_event, easypost_headers, journey
from tests.test_agent_workspace import an_agent, sign_in


def aftership_body(tracking: dict) -> bytes:
    envelope = {"event": "tracking_update", "event_id": "e1", "msg": tracking, "ts": 1700000000}
    return json.dumps(envelope).encode()


def signed_easypost(number: str, signed_by: str | None, *statuses: str) -> bytes:
    body = json.loads(easypost_event(number, journey(*statuses)))
    body["result"]["signed_by"] = signed_by
    return json.dumps(body, separators=(",", ":")).encode()


async def post_easypost(client, body: bytes) -> None:
    response = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert response.status_code == 200, response.text


def test_aftership_names_the_signer_on_the_delivery_scan_of_its_recorded_body():
    tracking = json.loads(
        (FIXTURES / "aftership" / "get_tracking_result_fedex_delivered.json").read_text()
    )["data"]["tracking"]
    events = aftership.parse(aftership_body(tracking))
    signed = {e.status: e.signed_by for e in events if e.signed_by}
    assert signed == {ShipmentStatus.DELIVERED: "..KOSUTOKO"}


def test_signature_not_required_names_nobody():
    trackings = json.loads(
        (FIXTURES / "aftership" / "get_trackings_v4_three_trackings.json").read_text()
    )["data"]["trackings"]
    [fedex] = [t for t in trackings if t["signed_by"] == "Signature not required"]
    events = aftership.parse(aftership_body(fedex))
    assert any(e.status == ShipmentStatus.DELIVERED for e in events)
    assert all(e.signed_by == "" for e in events)


async def test_a_signer_named_in_a_later_body_fills_in_the_delivery_scan_once(client):
    steps = ("pre_transit", "in_transit", "delivered")
    await post_easypost(client, signed_easypost("TN1", None, *steps))
    await post_easypost(client, signed_easypost("TN1", "J. Doe", *steps))
    await post_easypost(client, signed_easypost("TN1", "Someone Else", *steps))
    await post_easypost(client, signed_easypost("TN1", None, *steps))  # a retried older body
    events = await TrackingEvent.filter(tracking_number="TN1").order_by("occurred_at")
    assert [(e.status, e.signed_by) for e in events] == [
        (ShipmentStatus.LABEL_CREATED, ""),
        (ShipmentStatus.IN_TRANSIT, ""),
        (ShipmentStatus.DELIVERED, "J. Doe"),
    ]


async def delivered_with_signer(client, signer: str):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    await post_easypost(client, signed_easypost("TN1", signer, "pre_transit", "delivered"))
    await derive.refresh_tracking_number("TN1")
    return brand, order


async def look_up(client, number: str, postcode: str) -> str:
    form_page = HTMLParser((await client.get("/track")).text)
    token = form_page.css_first("input[name=csrf_token]").attributes["value"]
    found = await client.post(
        "/track", data={"csrf_token": token, "order_number": number, "postcode": postcode}
    )
    assert found.status_code == 303
    return found.headers["location"]


async def test_the_delivered_step_names_the_signer_only_after_the_shoppers_lookup(client, app):
    _, order = await delivered_with_signer(client, "<b>Ana & Bo</b>")
    url = f"/o/{order.access_token}"

    with_link = HTMLParser((await client.get(url)).text)
    said = with_link.css_first(".signed-by")
    assert "Someone signed for it." in said.text()
    assert said.css_first("a").attributes["href"] == "/track"
    assert "Ana" not in with_link.html

    assert await look_up(client, "A-1001", "10115") == url
    looked_up = await client.get(url)
    assert "Signed for by &lt;b&gt;Ana &amp; Bo&lt;/b&gt;." in looked_up.text
    assert "<b>Ana" not in looked_up.text
    card = await client.get(f"{url}/parcels/{(await Shipment.get(order=order)).id}")
    assert card.status_code == 200  # not htmx: the whole page, as kept for this browser
    assert "Signed for by" in card.text

    async with client_for(app) as stranger:  # the same link in another browser: no name
        page = await stranger.get(url)
        assert "Someone signed for it." in page.text and "Ana" not in page.text


async def test_the_agents_order_view_names_the_signer(client):
    _, order = await delivered_with_signer(client, "J. Doe")
    await an_agent()
    assert (await sign_in(client, "agent@northwind.test")).status_code == 303
    view = HTMLParser((await client.get(f"/agent/orders/{order.id}")).text)
    assert "signed for by J. Doe" in view.css_first("#parcels").text()
