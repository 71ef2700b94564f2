"""Triage: the queue puts what matters on top (overdue, then flag weight, then deadline), each
flag can be filtered on, flags are worked out from the brand's own data, and a case that a
delivery ends gets the close code its cause implies."""

from datetime import timedelta

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.cases import cases
from porchlight.cases.triage import BIT, rank
from porchlight.enums import CaseSource, ExceptionType, PriorityFlag
from porchlight.models import Brand, Case, Shipment
from porchlight.platform.clock import utcnow
from tests.factories import a_brand, an_order, bearer, order_payload
from tests.test_agent_workspace import an_agent, signed_in_token


async def a_case(brand, number, *, flags=(), email=None, type_=ExceptionType.STALLED_IN_TRANSIT):
    order = await an_order(
        brand,
        number,
        f"TN-{number}",
        flags=list(flags),
        value={"amount": "20.00", "currency": "EUR"},
        customer={"email": email or f"{number.lower()}@example.com"},
    )
    case, _ = await cases.open_or_join(await Shipment.get(order=order), type_, CaseSource.RULE)
    return case


async def due(case: Case, minutes: float) -> None:
    await Case.filter(id=case.id).update(next_due_at=utcnow() + timedelta(minutes=minutes))


def queue_numbers(html: str) -> list[str]:
    return [a.text() for a in HTMLParser(html).css("table.queue tbody td:nth-child(2) a")]


def test_flags_weigh_in_the_order_the_issue_gives():
    assert [f.value for f in PriorityFlag] == [
        "vip",
        "high_value",
        "first_time_buyer",
        "subscription",
        "repeat_issue",
        "predicted",  # a delay our prediction sees coming (issue 23): the lightest
    ]
    assert rank(["vip"]) > rank(["high_value", "first_time_buyer", "subscription", "repeat_issue"])
    assert rank(["subscription", "vip"]) == BIT[PriorityFlag.VIP] + BIT[PriorityFlag.SUBSCRIPTION]


async def test_the_queue_puts_overdue_first_then_weightier_flags_then_the_deadline(client):
    brand, _ = await a_brand()
    await an_agent()
    older_plain = await a_case(brand, "P-1", email="repeat@example.com")
    await an_order(brand, "P-0", "TN-P-0", customer={"email": "repeat@example.com"})
    vip_overdue = await a_case(brand, "V-1", flags=["vip"])
    vip_later = await a_case(brand, "V-2", flags=["vip"])
    await due(older_plain, -120)  # overdue for two hours
    await due(vip_overdue, -5)  # overdue for five minutes, but a VIP
    await due(vip_later, 60)  # not overdue: below both
    await signed_in_token(client, "agent@northwind.test")
    assert queue_numbers((await client.get("/agent/")).text) == ["V-1", "P-1", "V-2"]


async def test_each_flag_is_a_filter(client):
    brand, _ = await a_brand()
    await an_agent()
    await a_case(brand, "S-1", flags=["subscription"])
    await a_case(brand, "V-1", flags=["vip"])
    await signed_in_token(client, "agent@northwind.test")
    assert queue_numbers((await client.get("/agent/?flag=subscription")).text) == ["S-1"]
    assert queue_numbers((await client.get("/agent/?flag=vip")).text) == ["V-1"]
    assert len(queue_numbers((await client.get("/agent/?flag=nonsense")).text)) == 2


async def test_subscription_from_the_api_is_kept_on_the_case(client):
    _, key = await a_brand()
    response = await client.post(
        "/api/v1/orders",
        json=order_payload("A-1", "TN1", flags=["subscription"]),
        headers=bearer(key),
    )
    assert response.status_code == 201
    case, _ = await cases.open_or_join(
        await Shipment.get(tracking_number="TN1"), ExceptionType.DELAY, CaseSource.RULE
    )
    assert "subscription" in case.priority_flags
    assert case.priority_rank & BIT[PriorityFlag.SUBSCRIPTION]


async def test_a_first_time_buyer_is_worked_out_from_the_brands_order_history():
    brand, _ = await a_brand()
    first = await a_case(brand, "A-1", email="new@example.com")
    again = await a_case(brand, "A-2", email="new@example.com")
    assert "first_time_buyer" in first.priority_flags
    assert "first_time_buyer" not in again.priority_flags
    other_brand, _ = await a_brand("fjord", host="fjord.example.com")
    elsewhere = await a_case(other_brand, "F-1", email="new@example.com")
    assert "first_time_buyer" in elsewhere.priority_flags  # history is per brand


async def lane_cases(brand: Brand, prefix: str, count: int, carrier: str, node: str) -> list[Case]:
    made = []
    for n in range(count):
        order = await an_order(
            brand, f"{prefix}-{n}", f"{prefix}T{n}", customer={"email": f"{prefix}{n}@example.com"}
        )
        await Shipment.filter(order=order).update(carrier=carrier, lane=f"{node}>DE-10")
        shipment = await Shipment.get(order=order)
        made.append((await cases.open_or_join(shipment, ExceptionType.DELAY, CaseSource.RULE))[0])
    return made


async def test_a_repeat_issue_is_per_lane_with_the_brands_threshold():
    brand, _ = await a_brand()
    busy = await lane_cases(brand, "B", 5, "dhl", "WH-A")  # one busy lane of the carrier
    assert [("repeat_issue" in c.priority_flags) for c in busy] == [False] * 3 + [True] * 2
    [other_lane] = await lane_cases(brand, "O", 1, "dhl", "WH-B")
    assert "repeat_issue" not in other_lane.priority_flags  # the carrier's other lanes are fine
    [other_carrier] = await lane_cases(brand, "C", 1, "ups", "WH-A")
    assert "repeat_issue" not in other_carrier.priority_flags

    brand.settings = stored(validate_settings({"repeat_issue_threshold": 10}))
    await brand.save(update_fields=["settings"])
    [calmer] = await lane_cases(brand, "D", 1, "dhl", "WH-A")
    assert "repeat_issue" not in calmer.priority_flags


async def delivered_after(brand, number, type_, first_scan_hours: float | None) -> Case:
    case = await a_case(brand, number, type_=type_)
    shipped = utcnow() - timedelta(days=4)
    await Shipment.filter(id=case.shipment_id).update(  # type: ignore[attr-defined]
        shipped_at=shipped,
        first_scan_at=None
        if first_scan_hours is None
        else shipped + timedelta(hours=first_scan_hours),
    )
    await cases.resolve_on_delivery(await Shipment.get(id=case.shipment_id))  # type: ignore[attr-defined]
    return await Case.get(id=case.id)


async def test_a_delivery_closes_each_waiting_case_with_the_code_its_cause_implies():
    brand, _ = await a_brand()
    never_scanned = await delivered_after(brand, "N-1", ExceptionType.NO_FIRST_SCAN, None)
    handed_over_late = await delivered_after(brand, "L-1", ExceptionType.DELAY, 40)
    stalled_on_the_road = await delivered_after(brand, "S-1", ExceptionType.STALLED_IN_TRANSIT, 3)
    assert never_scanned.close_code == "warehouse_miss"
    assert handed_over_late.close_code == "warehouse_miss"
    assert stalled_on_the_road.close_code == "carrier_delay"
