"""Closing a case never strands its carrier claim, and the case timeline speaks in words."""

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.models import Case, CaseEntry, Notification, Order, Shipment
from tests.factories import a_brand
from tests.test_agent_workspace import a_case, an_agent, signed_in_token


async def test_an_open_claim_is_warned_about_and_stays_recordable_after_the_close(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    act = f"/agent/cases/{case.id}"
    claim = {"csrf_token": token, "step": "claim_filed", "claim_number": "CL-77", "amount": "40"}
    assert (await client.post(f"{act}/carrier", data=claim)).status_code == 303

    page = HTMLParser((await client.get(act)).text)
    assert "CL-77" in page.css_first("#open-claim-warning").text()
    close = {"csrf_token": token, "close_code": "damage"}
    refused = await client.post(f"{act}/close", data=close)
    assert refused.status_code == 422 and "carrier claim is still open" in refused.text
    assert (await Case.get(id=case.id)).state == "open"

    closed = await client.post(f"{act}/close", data={**close, "claim_stays_open": "1"})
    assert closed.status_code == 303
    page = HTMLParser((await client.get(act)).text)
    assert page.css_first("#carrier-form") is not None  # the payout can still be recorded
    assert page.css_first("#close-form") is None

    payout = {"csrf_token": token, "step": "payout_received", "amount": "40", "currency": "EUR"}
    assert (await client.post(f"{act}/carrier", data=payout)).status_code == 303
    kept = await Case.get(id=case.id)
    assert (kept.state, kept.carrier_recovery["state"]) == ("closed", "closed")
    assert await CaseEntry.filter(case=kept, kind="carrier:payout_received").exists()
    page = HTMLParser((await client.get(act)).text)
    assert page.css_first("#carrier-form") is None  # its own end reached
    again = await client.post(f"{act}/carrier", data=payout)
    assert again.status_code == 422 and "carrier recovery of this case is finished" in again.text


async def test_a_case_without_a_claim_closes_without_the_extra_tick(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    closed = await client.post(
        f"/agent/cases/{case.id}/close", data={"csrf_token": token, "close_code": "damage"}
    )
    assert closed.status_code == 303 and (await Case.get(id=case.id)).state == "closed"


async def test_the_case_timeline_says_why_a_message_was_not_sent_in_words(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    shipment = await Shipment.get(id=case.shipment_id)
    order = await Order.get(id=shipment.order_id)
    for trigger, channel, reason in (
        ("first_scan", "email", "merged_into_shipped"),
        ("shipped", "sms", "policy_off"),
        ("shipped", "email", "superseded"),
    ):
        await Notification.create(
            brand=brand,
            shipment=shipment,
            customer_id=order.customer_id,
            trigger=trigger,
            channel=channel,
            recipient="ana@example.com",
            status="skipped",
            skip_reason=reason,
        )
    await signed_in_token(client, "agent@northwind.test")
    html = (await client.get(f"/agent/cases/{case.id}?lang=de")).text
    for code in ("merged_into_shipped", "policy_off", "superseded", "first_scan", "skipped"):
        assert code not in HTMLParser(html).css_first("#timeline").text()
    timeline = HTMLParser(html).css_first("#timeline").text()
    assert "E-Mail · Erster Scan · nicht gesendet" in timeline
    assert "stattdessen in der Versandnachricht gesagt" in timeline
    assert "die Marke sendet das nicht über diesen Kanal" in timeline
    assert "eine neuere Nachricht zu diesem Paket hat sie ersetzt" in timeline
