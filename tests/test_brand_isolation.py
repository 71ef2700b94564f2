"""Scans are stored by tracking number, so one parcel's number may belong to one brand only: a
second brand claiming it would read the first brand's scan history (and its later scans)."""

from porchlight.models import Order, Shipment
from tests.factories import a_brand, bearer, deliver_scans, order_payload, scans

TRACKING = "7712000001"


async def two_brands_one_parcel(client):
    """Northwind ships TRACKING in NW-1 and the carrier has scanned it twice."""
    _, northwind = await a_brand("northwind", "track.northwind.test")
    _, fjord = await a_brand("fjord", "track.fjord.test")
    mine = await client.post(
        "/api/v1/orders", json=order_payload("NW-1"), headers=bearer(northwind)
    )
    assert mine.status_code == 201, mine.text
    await deliver_scans(client, TRACKING, "pre_transit", "in_transit")
    return northwind, fjord


def reveals_nothing_of_northwind(refused) -> None:
    text = refused.text.lower()
    assert "northwind" not in text and "nw-1" not in text and "scan" not in text
    assert "parcels" not in refused.json()


async def test_another_brand_registering_a_held_tracking_number_is_refused_without_the_scans(
    client,
):
    _, fjord = await two_brands_one_parcel(client)
    refused = await client.post("/api/v1/orders", json=order_payload("FJ-7"), headers=bearer(fjord))
    assert refused.status_code == 409, refused.text
    assert TRACKING in refused.json()["fields"]["shipments"]
    reveals_nothing_of_northwind(refused)
    assert not await Order.filter(number="FJ-7").exists()  # nothing half-registered
    assert await Shipment.filter(tracking_number=TRACKING).count() == 1


async def test_another_brand_adding_a_held_tracking_number_as_a_parcel_is_refused(client):
    _, fjord = await two_brands_one_parcel(client)
    own = await client.post(
        "/api/v1/orders", json=order_payload("FJ-7", "FJ0001"), headers=bearer(fjord)
    )
    assert own.status_code == 201, own.text
    shipment = order_payload("FJ-7")["shipments"][0]
    refused = await client.post(
        "/api/v1/orders/FJ-7/shipments", json=shipment, headers=bearer(fjord)
    )
    assert refused.status_code == 409, refused.text
    assert TRACKING in refused.json()["fields"]["tracking_number"]
    reveals_nothing_of_northwind(refused)
    read = await client.get("/api/v1/orders/FJ-7", headers=bearer(fjord))
    assert [p["tracking_number"] for p in read.json()["parcels"]] == ["FJ0001"]


async def test_later_scans_reach_only_the_brand_that_holds_the_number(client):
    _, fjord = await two_brands_one_parcel(client)
    await client.post("/api/v1/orders", json=order_payload("FJ-7"), headers=bearer(fjord))
    await scans(TRACKING, "pre_transit", "in_transit", "delivered")  # as the worker derives them
    [holder] = await Shipment.filter(tracking_number=TRACKING).select_related("brand")
    assert holder.brand.slug == "northwind" and holder.status == "delivered"


async def test_within_a_brand_the_number_stays_with_its_order_as_before(client):
    northwind, _ = await two_brands_one_parcel(client)
    again = await client.post(
        "/api/v1/orders", json=order_payload("NW-1"), headers=bearer(northwind)
    )
    assert again.status_code == 200 and len(again.json()["parcels"][0]["events"]) == 2
    other_order = await client.post(
        "/api/v1/orders", json=order_payload("NW-2"), headers=bearer(northwind)
    )
    assert other_order.status_code == 409
    # The brand's own order may be named: it is the brand's to know.
    assert other_order.json()["error"] == f"tracking number {TRACKING} belongs to order NW-1"
