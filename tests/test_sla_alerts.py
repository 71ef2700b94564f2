"""SLA alerts: the owner hears before a first response is late, the brand's leads when it is,
once each, by email through the real SendGrid SDK against the stub."""

from datetime import timedelta

from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.cases.cases import open_or_join
from porchlight.cases.sla_alerts import send_sla_alerts
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Case, Shipment
from porchlight.platform.clock import utcnow
from tests.factories import a_brand, an_order
from tests.test_agent_workspace import an_agent


async def a_case_due_in(brand, number, minutes, owner=None) -> Case:
    order = await an_order(brand, number, f"TN-{number}")
    case, _ = await open_or_join(
        await Shipment.get(order=order), ExceptionType.DAMAGE_REPORTED, CaseSource.SHOPPER
    )
    due = utcnow() + timedelta(minutes=minutes)
    await Case.filter(id=case.id).update(
        sla_due_at=due, next_due_at=due, owner_id=owner.id if owner else None
    )
    return case


def recipients(stub) -> list[tuple[str, str]]:
    return sorted(
        (e.json["personalizations"][0]["to"][0]["email"], e.json["subject"]) for e in stub.emails
    )


async def test_the_owner_is_warned_once_before_the_first_response_is_late(providers):
    stub, settings = providers
    brand, _ = await a_brand()
    sam = await an_agent("sam@northwind.test")
    soon = await a_case_due_in(brand, "A-1", 20, owner=sam)
    await a_case_due_in(brand, "A-2", 120, owner=sam)  # not yet
    await a_case_due_in(brand, "A-3", 10)  # nobody owns it: nobody to warn
    assert await send_sla_alerts(settings) == (1, 0)
    assert await send_sla_alerts(settings) == (0, 0)
    [(to, subject)] = recipients(stub)
    assert to == "sam@northwind.test"
    assert subject.startswith(f"Case {soon.id} (order A-1) needs a first response within")
    text = next(c["value"] for c in stub.emails[0].json["content"] if c["type"] == "text/plain")
    assert f"/agent/cases/{soon.id}" in text


async def test_an_answered_case_or_a_brand_without_warnings_is_left_alone(providers):
    stub, settings = providers
    brand, _ = await a_brand()
    sam = await an_agent("sam@northwind.test")
    answered = await a_case_due_in(brand, "A-1", 20, owner=sam)
    await Case.filter(id=answered.id).update(first_action_at=utcnow())
    quiet, _ = await a_brand("fjord", host="fjord.example.com")
    quiet.settings = stored(validate_settings({"sla_warning_minutes": 0}))
    await quiet.save(update_fields=["settings"])
    await a_case_due_in(quiet, "F-1", 5, owner=sam)
    assert await send_sla_alerts(settings) == (0, 0)
    assert stub.emails == []


async def test_a_broken_sla_is_reported_to_the_brands_leads_once(providers):
    stub, settings = providers
    brand, _ = await a_brand()
    await a_brand("fjord", host="fjord.example.com")
    await an_agent("lee@northwind.test", role="lead")
    await an_agent("ada@northwind.test", role="admin")
    await an_agent("sam@northwind.test")  # an agent, not a lead
    await an_agent("fay@fjord.test", role="lead", brands=("fjord",))
    late = await a_case_due_in(brand, "A-1", -15)
    await a_case_due_in(brand, "A-2", -3 * 24 * 60)  # broke days ago, before alerts existed
    assert await send_sla_alerts(settings) == (0, 1)
    assert await send_sla_alerts(settings) == (0, 0)
    assert [to for to, _ in recipients(stub)] == ["ada@northwind.test", "lee@northwind.test"]
    assert recipients(stub)[0][1] == (
        f"SLA broken: case {late.id} (order A-1) has had no first response"
    )
