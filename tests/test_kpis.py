"""The weekly KPIs on a small hand-made data set whose answers were worked out by hand
(the arithmetic is in the comments)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from porchlight.insight.kpis import weekly
from porchlight.models import (
    Case,
    CaseEntry,
    Contact,
    Customer,
    Notification,
    Order,
    PageViewDay,
    Shipment,
    ShipmentItem,
)
from tests.factories import a_brand, an_order

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday: weeks of Nov 16 and Nov 23


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


async def a_shipment(
    brand, customer, n, shipped, node, lane, scan_after=None, delivered=None, skus=()
):
    order = await Order.create(
        brand=brand, customer=customer, number=f"K-{n}", access_token=f"kpi-token-{n:08d}"
    )
    shipment = await Shipment.create(
        brand=brand,
        order=order,
        carrier="dhl",
        tracking_number=f"KT{n}",
        fulfilment_node=node,
        lane=lane,
        shipped_at=shipped,
        first_scan_at=shipped + timedelta(hours=scan_after) if scan_after is not None else None,
        delivered_at=delivered,
    )
    for sku in skus:
        await ShipmentItem.create(shipment=shipment, sku=sku)
    return shipment


async def a_case(brand, shipment, type_, opened, due, first=None, closed=None, code=None):
    case = await Case.create(
        brand=brand,
        shipment=shipment,
        type=type_,
        source="rule",
        sla_due_at=due,
        first_action_at=first,
        closed_at=closed,
        close_code=code,
        state="closed" if closed else "open",
    )
    await Case.filter(id=case.id).update(opened_at=opened)
    return case


async def an_entry(case, kind, when):
    entry = await CaseEntry.create(case=case, kind=kind)
    await CaseEntry.filter(id=entry.id).update(created_at=when)


@pytest.fixture
async def data_set():
    brand, _ = await a_brand()
    customer = await Customer.create(brand=brand, email="k@example.com")
    # Week of Nov 16: four parcels shipped Monday 10:00. Week of Nov 23: two.
    s1 = await a_shipment(brand, customer, 1, at(16, 10), "WH-A", "L1", 2, at(19), ["MUG"])
    s2 = await a_shipment(brand, customer, 2, at(16, 10), "WH-A", "L1", 30, None, ["PLATE"])
    s3 = await a_shipment(brand, customer, 3, at(16, 10), "WH-B", "L2", None, None, ["BOWL"])
    s4 = await a_shipment(
        brand, customer, 4, at(16, 10), "WH-B", "L2", 10, at(20), ["MUG", "PLATE"]
    )
    s5 = await a_shipment(brand, customer, 5, at(23, 10), "WH-A", "L1", 5, at(25, 9), ["BOWL"])
    await a_shipment(brand, customer, 6, at(23, 10), "WH-B", "L2", 48, None, ["BOWL"])

    c1 = await a_case(
        brand, s3, "no_first_scan", at(17, 10), at(17, 14), at(17, 14), at(18, 10), "warehouse_miss"
    )
    await a_case(brand, s2, "delay", at(18, 10), at(18, 18), at(18, 20))
    await a_case(
        brand, s4, "damage_reported", at(20, 10), at(20, 12), at(20, 11), at(21, 10), "damage"
    )
    await a_case(brand, s1, "delivered_not_received", at(24, 10), at(24, 17))
    c4 = await a_case(
        brand, s5, "delay", at(24, 12), at(24, 20), at(24, 14), at(25, 10), "carrier_delay"
    )
    await an_entry(c1, "customer:refund", at(17, 15))
    await an_entry(c4, "customer:reship", at(24, 15))
    await an_entry(c4, "customer:refund", at(24, 16))

    # Delay messages: S2's customer had already called (Nov 18 09:00) before it went out.
    for shipment, sent in ((s2, at(18, 11)), (s5, at(24, 13))):
        await Notification.create(
            brand=brand,
            shipment=shipment,
            customer=customer,
            trigger="delay",
            channel="email",
            recipient="k@example.com",
            status="sent",
            sent_at=sent,
        )
    contacts = [
        (s2, at(18, 9)),
        (None, at(19, 9)),
        (None, at(23, 9)),
        (None, at(24, 9)),
        (None, at(25, 9)),
    ]
    for shipment, when in contacts:
        await Contact.create(
            brand=brand,
            order_id=shipment.order_id if shipment else None,
            channel="phone",
            reason="wismo",
            occurred_at=when,
        )
    for day, views in ((date(2026, 11, 17), 30), (date(2026, 11, 19), 10), (date(2026, 11, 24), 9)):
        await PageViewDay.create(brand=brand, day=day, views=views)
    return brand


async def test_the_weekly_kpis_match_the_hand_computed_answers(data_set):
    report = await weekly(data_set, weeks=2, now=NOW)
    assert report.weeks == [date(2026, 11, 16), date(2026, 11, 23)]
    s = report.series
    assert s["shipments"] == [4, 2]
    assert s["wismo_per_1000"] == [500.0, 1500.0]  # 2 × 1000 / 4, 3 × 1000 / 2
    assert s["refund_reship_rate"] == [25.0, 50.0]  # 1 case / 4, 1 case (two entries) / 2
    assert s["first_response_hours"] == [5.0, 2.0]  # (4 + 10 + 1) / 3; C3 unanswered, C4 2
    assert s["close_hours"] == [24.0, 22.0]  # C1 and C5 24 h each; C4 22 h
    assert s["activation_rate"] == [50.0, 50.0]  # 2 h and 10 h of 4; 5 h of 2 (48 h late)
    assert s["exception_rate"] == [75.0, 100.0]  # 3 / 4, 2 / 2
    assert s["delay_coverage"] == [0.0, 100.0]  # S2 called first; S5 told first
    assert s["unresolved_age_hours"] == [110.0, 98.0]  # C2 4 d 14 h at Nov 23; (170 + 26) / 2
    assert s["sla_breach_rate"] == [33.33, 50.0]  # C2 late of 3; C3 missing past due of 2
    assert s["page_views"] == [40, 9]
    assert s["views_per_contact"] == [20.0, 3.0]


async def test_the_breakdowns_match_the_hand_computed_answers(data_set):
    b = (await weekly(data_set, weeks=2, now=NOW)).breakdowns
    assert b["dnr_by_lane"] == [("L1", 50.0, 2), ("L2", 0.0, 1)]  # C3 of S1, S5 delivered
    assert b["no_first_scan_by_node"] == [("WH-B", 33.33, 3), ("WH-A", 0.0, 3)]
    assert b["exceptions_by_node"] == [("WH-A", 100.0, 3), ("WH-B", 66.67, 3)]
    assert b["damage_by_sku"] == [("MUG", 50.0, 2), ("PLATE", 50.0, 2)]
    assert b["close_codes"] == [("carrier_delay", 1, 1), ("damage", 1, 1), ("warehouse_miss", 1, 1)]


async def test_another_brands_data_never_counts(data_set):
    other, _ = await a_brand("fjord", host="fjord.example.com")
    report = await weekly(other, weeks=2, now=NOW)
    assert report.series["shipments"] == [0, 0]
    assert report.series["wismo_per_1000"] == [None, None]
    assert all(rows == [] for rows in report.breakdowns.values())


async def test_tracking_page_views_are_counted_and_moved_into_the_database_once(
    client, app_state, arq_redis
):
    from porchlight.insight.page_views import flush

    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    for _ in range(3):
        assert (await client.get(f"/o/{order.access_token}")).status_code == 200
    # (the portal's own pusher may have pushed some already: it runs every second)
    await app_state.views.push(arq_redis)
    assert await flush(arq_redis) == 3
    assert await flush(arq_redis) == 0
    await client.get(f"/o/{order.access_token}")
    await app_state.views.push(arq_redis)
    assert await flush(arq_redis) == 1
    [row] = await PageViewDay.filter(brand=brand)
    assert row.views == 4


async def test_views_counted_while_redis_is_down_are_pushed_once_it_is_back(arq_redis):
    from redis.asyncio import Redis

    from porchlight.insight.page_views import ViewTally, flush

    brand, _ = await a_brand()
    tally = ViewTally()
    tally.count(brand.id)
    tally.count(brand.id)
    unreachable = Redis(port=1, socket_connect_timeout=0.2)
    assert await tally.push(unreachable) == 0
    await unreachable.aclose()
    tally.count(brand.id)
    assert await tally.push(arq_redis) == 3
    assert await flush(arq_redis) == 3
    [row] = await PageViewDay.filter(brand=brand)
    assert row.views == 3


async def test_a_running_portal_pushes_its_views_and_loses_none_when_it_stops(settings, arq_redis):
    import asyncio

    import httpx
    from asgi_lifespan import LifespanManager

    from porchlight.insight.page_views import PREFIX, flush
    from portal.app import create_app

    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    async with LifespanManager(create_app(settings)) as portal:
        transport = httpx.ASGITransport(app=portal.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://track.example.com"
        ) as shopper:
            await shopper.get(f"/o/{order.access_token}")
            for _ in range(30):
                if await arq_redis.keys(f"{PREFIX}*"):
                    break
                await asyncio.sleep(0.1)
            assert await flush(arq_redis) == 1  # pushed by the running portal
            await shopper.get(f"/o/{order.access_token}")
    assert await flush(arq_redis) == 1  # pushed by the time it stopped
