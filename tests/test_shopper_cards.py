"""Parcel cards are kept between views, yet every change to what a card shows is on the next
view: a scan on one parcel, a parcel's own row saved, a delivery request, another language."""

from datetime import timedelta

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.models import DeliveryRequest, Shipment
from tests.factories import T0, a_brand, an_order, scans


def cards(response) -> dict[str, str]:
    """Each card's HTML by its element id."""
    return {n.attributes["id"]: n.html for n in HTMLParser(response.text).css("article.parcel")}


async def test_a_scan_on_one_parcel_shows_and_the_other_card_is_as_it_was(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit")
    await scans("TN2", "pre_transit")
    url = f"/o/{order.access_token}"
    before = cards(await client.get(url))

    await scans("TN2", "pre_transit", "in_transit", start=T0 + timedelta(hours=1))
    after = cards(await client.get(url))
    first, second = (await order.shipments.all().order_by("id"))[:2]
    assert after[f"parcel-{first.id}"] == before[f"parcel-{first.id}"]
    assert after[f"parcel-{second.id}"] != before[f"parcel-{second.id}"]
    assert "On its way" in after[f"parcel-{second.id}"]


async def test_a_parcels_own_row_and_its_requests_show_on_the_next_view(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    url = f"/o/{order.access_token}"
    await client.get(url)
    shipment = await Shipment.get(tracking_number="TN1")
    shipment.carrier = "gls"
    await shipment.save()
    assert "GLS TN1" in (await client.get(url)).text

    await DeliveryRequest.create(
        shipment=shipment, kind="pickup_point", details={"pickup_point": "Kiosk am Markt"}
    )
    assert "Kiosk am Markt" in (await client.get(url)).text


async def test_the_same_card_in_another_language_is_rendered_in_it(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit")
    url = f"/o/{order.access_token}"
    english = await client.get(url, headers={"Accept-Language": "en"})
    german = await client.get(url, headers={"Accept-Language": "de"})
    assert "Parcel 1 of 2" in english.text
    assert "Paket 1 von 2" in german.text
