"""The agent workspace over HTTP: signing in, the queue, a case's two tracks and its close."""

import re

from porchlight.accounts.agents import upsert_agent
from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Case, CaseEntry, Shipment
from tests.factories import a_brand, an_order

PASSWORD = "correct horse battery"


async def a_case(brand, number="A-1001", type_=ExceptionType.FAILED_ATTEMPT) -> Case:
    order = await an_order(brand, number, f"TN-{number}")
    shipment = await Shipment.get(order=order)
    case, _ = await open_or_join(shipment, type_, CaseSource.CARRIER, "No one home")
    return case


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(client, email, password=PASSWORD):
    page = await client.get("/agent/login")
    return await client.post(
        "/agent/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )


async def an_agent(email="agent@northwind.test", role="agent", brands=("northwind",)):
    return await upsert_agent(email, PASSWORD, role, list(brands), name=email.split("@")[0])


async def signed_in_token(client, email) -> str:
    response = await sign_in(client, email)
    assert response.status_code == 303, response.text
    return csrf_from((await client.get("/agent/")).text)


async def test_the_workspace_sends_strangers_to_the_login(client):
    response = await client.get("/agent/cases/1")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/login?next=/agent/cases/1"


async def test_a_login_without_its_csrf_token_is_refused(client):
    await a_brand()
    await an_agent()
    await client.get("/agent/login")
    response = await client.post(
        "/agent/login", data={"email": "agent@northwind.test", "password": PASSWORD}
    )
    assert response.status_code == 403


async def test_an_agent_signs_in_sees_the_queue_and_signs_out(client):
    brand, _ = await a_brand()
    await an_agent()
    await a_case(brand)
    response = await sign_in(client, "agent@northwind.test")
    assert (response.status_code, response.headers["location"]) == (303, "/agent/")
    queue = await client.get("/agent/")
    assert "A-1001" in queue.text and "Failed delivery attempt" in queue.text
    await client.post("/agent/logout", data={"csrf_token": csrf_from(queue.text)})
    assert (await client.get("/agent/")).status_code == 303


async def test_repeated_wrong_passwords_lock_the_account(client):
    await a_brand()
    await an_agent()
    for _ in range(5):
        assert (await sign_in(client, "agent@northwind.test", "wrong password!")).status_code == 401
    locked = await sign_in(client, "agent@northwind.test")
    assert locked.status_code == 401 and "locked" in locked.text


async def test_an_agent_of_brand_a_cannot_open_brand_b_case(client):
    await a_brand()
    fjord, _ = await a_brand("fjord", host="fjord.example.com")
    await an_agent()
    foreign = await a_case(fjord, "F-1")
    token = await signed_in_token(client, "agent@northwind.test")
    assert (await client.get(f"/agent/cases/{foreign.id}")).status_code == 404
    note = await client.post(
        f"/agent/cases/{foreign.id}/note", data={"text": "hi", "csrf_token": token}
    )
    assert note.status_code == 404
    assert "F-1" not in (await client.get("/agent/")).text


async def test_an_agent_closes_a_case_without_a_close_code_and_is_refused(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    refused = await client.post(
        f"/agent/cases/{case.id}/close", data={"close_code": "", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "Choose a close code before closing the case." in refused.text
    assert (await Case.get(id=case.id)).state == "open"
    closed = await client.post(
        f"/agent/cases/{case.id}/close", data={"close_code": "address_issue", "csrf_token": token}
    )
    assert closed.status_code == 303
    case = await Case.get(id=case.id)
    assert (case.state, case.close_code) == ("closed", "address_issue")


async def test_refusals_say_why_in_the_agents_language(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    german = {"accept-language": "de"}
    not_a_lead = await client.get("/agent/kpis", headers=german)
    assert not_a_lead.status_code == 403
    assert "Deine Rolle darf das nicht." in not_a_lead.text
    assert "abgelaufen" not in not_a_lead.text  # not the expired-form page any more
    refused = await client.post(
        f"/agent/cases/{case.id}/close",
        data={"close_code": "", "csrf_token": token},
        headers=german,
    )
    assert "Wähle einen Abschlusscode, bevor du den Fall schließt." in refused.text


async def test_refunding_over_http_keeps_the_case_open_and_audits_who_did_it(client):
    brand, _ = await a_brand()
    agent = await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    response = await client.post(
        f"/agent/cases/{case.id}/customer",
        data={"action": "refund", "amount": "24,50", "currency": "EUR", "csrf_token": token},
    )
    assert response.status_code == 303
    case = await Case.get(id=case.id)
    assert case.state == "open" and case.customer_resolution["state"] == "resolved"
    entry = await CaseEntry.get(case=case, kind="customer:refund")
    assert entry.author_id == agent.id and entry.data["amount"] == "24.50"
    page = await client.get(f"/agent/cases/{case.id}")
    assert "€24.50" in page.text
    german = await client.get(f"/agent/cases/{case.id}?lang=de")
    assert "24,50\xa0€" in german.text  # the agent's own number punctuation


async def test_a_note_is_escaped_on_the_case_page(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    await client.post(
        f"/agent/cases/{case.id}/note",
        data={"text": "<script>alert(1)</script>", "csrf_token": token},
    )
    page = await client.get(f"/agent/cases/{case.id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_only_a_lead_assigns_a_case_to_a_named_colleague(client):
    brand, _ = await a_brand()
    colleague = await an_agent("sam@northwind.test")
    await an_agent("lee@northwind.test", role="lead")
    await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    refused = await client.post(
        f"/agent/cases/{case.id}/assign", data={"agent_id": colleague.id, "csrf_token": token}
    )
    assert refused.status_code == 403
    mine = await client.post(f"/agent/cases/{case.id}/assign", data={"csrf_token": token})
    assert mine.status_code == 303
    client.cookies.clear()
    token = await signed_in_token(client, "lee@northwind.test")
    given = await client.post(
        f"/agent/cases/{case.id}/assign", data={"agent_id": colleague.id, "csrf_token": token}
    )
    assert given.status_code == 303
    assert (await Case.get(id=case.id)).owner_id == colleague.id


async def test_the_queue_filters_and_puts_the_overdue_first(client):
    from datetime import timedelta

    from porchlight.platform.clock import utcnow

    brand, _ = await a_brand()
    await an_agent()
    late = await a_case(brand, "A-1")
    await a_case(brand, "A-2", ExceptionType.DAMAGE_REPORTED)
    late.next_due_at = utcnow() - timedelta(hours=1)
    await late.save()
    await signed_in_token(client, "agent@northwind.test")
    page = (await client.get("/agent/")).text
    assert page.index("A-1") < page.index("A-2")
    overdue = (await client.get("/agent/?overdue=1", headers={"HX-Request": "true"})).text
    assert "A-1" in overdue and "A-2" not in overdue and "<html" not in overdue
    damage = (await client.get("/agent/?type=damage_reported")).text
    assert "A-2" in damage and ">A-1<" not in damage


async def test_a_filter_value_with_an_ampersand_survives_the_queues_links(client):
    brand, _ = await a_brand()
    await an_agent()
    case = await a_case(brand, "A-1")
    await Shipment.filter(id=case.shipment_id).update(fulfilment_node="B&Q #2")
    await signed_in_token(client, "agent@northwind.test")
    page = (await client.get("/agent/", params={"node": "B&Q #2"})).text
    assert "A-1" in page
    assert 'value="/agent/?node=B%26Q+%232"' in page  # the way back keeps the filter whole


async def test_an_agent_opens_a_case_by_hand(client):
    brand, _ = await a_brand()
    await an_agent()
    await an_order(brand, "A-77", "TN77")
    token = await signed_in_token(client, "agent@northwind.test")
    response = await client.post(
        "/agent/cases",
        data={"order_number": "A-77", "type": "delivered_not_received", "csrf_token": token},
    )
    assert response.status_code == 303
    case = await Case.get(type="delivered_not_received")
    assert case.source == "agent"
