"""Auto-assignment: new cases go round-robin to the brand's agents who said they take new
cases, and an agent says so from any workspace page (audited)."""

from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Agent, AuditEntry, Case, CaseEntry, Shipment
from tests.factories import a_brand, an_order
from tests.test_agent_workspace import an_agent, signed_in_token


async def new_case(brand, number) -> Case:
    order = await an_order(brand, number, f"TN-{number}", customer={"email": f"{number}@x.com"})
    case, _ = await open_or_join(
        await Shipment.get(order=order), ExceptionType.DAMAGE_REPORTED, CaseSource.SHOPPER
    )
    return await Case.get(id=case.id).select_related("owner")


async def test_new_cases_go_in_turn_to_the_available_agents_of_the_brand():
    brand, _ = await a_brand()
    await a_brand("fjord", host="fjord.example.com")
    ann = await an_agent("ann@northwind.test")
    bob = await an_agent("bob@northwind.test")
    await an_agent("cat@northwind.test")  # not available
    fay = await an_agent("fay@fjord.test", brands=("fjord",))
    await Agent.filter(id__in=[ann.id, bob.id, fay.id]).update(available=True)
    owners = [(await new_case(brand, f"A-{n}")).owner.email for n in range(4)]
    assert owners == [
        "ann@northwind.test",
        "bob@northwind.test",
        "ann@northwind.test",
        "bob@northwind.test",
    ]
    entry = await CaseEntry.filter(kind="assigned").first()
    assert entry.data["auto"] is True and entry.author_id is None


async def test_with_nobody_available_a_case_waits_without_an_owner():
    brand, _ = await a_brand()
    await an_agent("ann@northwind.test")
    assert (await new_case(brand, "A-1")).owner is None


async def test_an_agent_marks_themselves_available_from_the_workspace(client):
    brand, _ = await a_brand()
    ann = await an_agent("ann@northwind.test")
    token = await signed_in_token(client, "ann@northwind.test")
    response = await client.post(
        "/agent/availability", data={"available": "1", "csrf_token": token, "back": "/agent/"}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/agent/")
    assert (await Agent.get(id=ann.id)).available is True
    assert (await new_case(brand, "A-1")).owner.email == "ann@northwind.test"
    await client.post("/agent/availability", data={"available": "0", "csrf_token": token})
    assert (await Agent.get(id=ann.id)).available is False
    trail = await AuditEntry.filter(action="agent.availability").order_by("id")
    assert [e.after for e in trail] == [{"available": True}, {"available": False}]


async def test_only_a_lead_takes_over_a_colleagues_case(client):
    brand, _ = await a_brand()
    sam = await an_agent("sam@northwind.test")
    await an_agent("lee@northwind.test", role="lead")
    await an_agent("ann@northwind.test")
    case = await new_case(brand, "A-1")
    await Case.filter(id=case.id).update(owner_id=sam.id)
    token = await signed_in_token(client, "ann@northwind.test")
    refused = await client.post(f"/agent/cases/{case.id}/assign", data={"csrf_token": token})
    assert refused.status_code == 403 and (await Case.get(id=case.id)).owner_id == sam.id
    client.cookies.clear()
    token = await signed_in_token(client, "lee@northwind.test")
    await Case.filter(id=case.id).update(next_due_at=case.opened_at)  # overdue
    page = await client.get(f"/agent/cases/{case.id}")
    assert 'id="take-over-form"' in page.text
    taken = await client.post(f"/agent/cases/{case.id}/assign", data={"csrf_token": token})
    assert taken.status_code == 303
    lee = await Agent.get(email="lee@northwind.test")
    assert (await Case.get(id=case.id)).owner_id == lee.id
