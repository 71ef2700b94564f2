"""SLA alerts: the owner hears before a first response is late, the brand's leads when it is,
once each, each in their own language, by email through the real SendGrid SDK against the stub."""

from datetime import timedelta

from notifier.exception_sweep import sla_alerts
from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.cases.cases import open_or_join
from porchlight.cases.sla_alerts import send_sla_alerts
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Agent, AuditEntry, Case, Shipment
from porchlight.platform.clock import utcnow
from tests.factories import a_brand, an_order
from tests.test_agent_workspace import an_agent, signed_in_token


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


async def test_each_alert_is_in_its_recipients_own_language_else_the_brands(
    client, providers, arq_redis
):
    stub, settings = providers
    brand, _ = await a_brand()
    brand.default_locale = "nl"
    await brand.save(update_fields=["default_locale"])
    sam = await an_agent("sam@northwind.test")
    await an_agent("ada@northwind.test", role="admin")
    await an_agent("lee@northwind.test", role="lead")  # never chose: the brand's Dutch
    for email, locale in [("sam@northwind.test", "de"), ("ada@northwind.test", "fr")]:
        token = await signed_in_token(client, email)
        chosen = await client.post("/agent/language", data={"locale": locale, "csrf_token": token})
        assert chosen.status_code == 303
        client.cookies.clear()
    soon = await a_case_due_in(brand, "A-1", 20, owner=sam)
    late = await a_case_due_in(brand, "A-2", -15)
    ctx = {"redis": arq_redis, "settings": settings}
    assert await sla_alerts(ctx) == "1 owners warned, 1 breaches reported"
    subjects = dict(recipients(stub))
    assert subjects["sam@northwind.test"].startswith(f"Fall {soon.id} (Bestellung A-1) braucht")
    assert subjects["ada@northwind.test"].startswith("Délai dépassé")
    assert subjects["lee@northwind.test"] == (
        f"Termijn verstreken: zaak {late.id} (bestelling A-2) heeft geen eerste reactie gehad"
    )
    trail = await AuditEntry.filter(action="agent.language").order_by("id")
    assert [e.after for e in trail] == [{"locale": "de"}, {"locale": "fr"}]


async def test_an_agent_goes_back_to_the_brands_language_and_unknown_codes_mean_that_too(client):
    await a_brand()
    ann = await an_agent("ann@northwind.test")
    token = await signed_in_token(client, "ann@northwind.test")
    for locale, kept in [("de-AT", "de"), ("", None), ("de", "de"), ("xx", None)]:
        await client.post("/agent/language", data={"locale": locale, "csrf_token": token})
        assert (await Agent.get(id=ann.id)).locale == kept
