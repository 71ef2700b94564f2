"""A help desk's ticket and a carrier's signal meet in one queue (POST /api/v1/contacts)."""

from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Case, CaseEntry, Contact, Shipment
from tests.factories import a_brand, an_order, bearer


def ticket(number="A-1001", external_id="zendesk-1", **extra):
    return {
        "channel": "email",
        "reason": "wismo",
        "order_number": number,
        "external_id": external_id,
        **extra,
    }


async def test_a_ticket_asking_for_a_case_opens_one_once(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1", "TN2")
    body = ticket(open_case={"type": "damage_reported", "tracking_number": "tn 2"})
    first = await client.post("/api/v1/contacts", json=body, headers=bearer(key))
    assert first.status_code == 201, first.text
    case = await Case.get().select_related("shipment")
    assert first.json()["case_id"] == case.id
    assert (case.type, case.source, case.shipment.tracking_number) == (
        "damage_reported",
        "helpdesk",
        "TN2",
    )
    again = await client.post("/api/v1/contacts", json=body, headers=bearer(key))
    assert (again.status_code, again.json()["case_id"]) == (200, case.id)
    assert await Case.all().count() == 1
    assert (await Contact.get()).case_id == case.id


async def test_a_ticket_about_an_order_with_an_open_exception_joins_that_case(client):
    brand, key = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    case, _ = await open_or_join(
        await Shipment.get(order=order), ExceptionType.FAILED_ATTEMPT, CaseSource.CARRIER
    )
    response = await client.post("/api/v1/contacts", json=ticket(), headers=bearer(key))
    assert response.json()["case_id"] == case.id
    joined = await CaseEntry.filter(case=case, kind="signal:helpdesk").values_list(
        "body", flat=True
    )
    assert joined == ["email"]


async def test_a_ticket_with_a_case_it_already_has_joins_it_and_an_unknown_type_is_refused(client):
    brand, key = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    carrier_case, _ = await open_or_join(
        await Shipment.get(order=order), ExceptionType.DAMAGE_REPORTED, CaseSource.CARRIER
    )
    body = ticket(open_case={"type": "damage_reported"})
    response = await client.post("/api/v1/contacts", json=body, headers=bearer(key))
    assert response.json()["case_id"] == carrier_case.id and await Case.all().count() == 1
    refused = await client.post(
        "/api/v1/contacts",
        json=ticket(external_id="zendesk-2", open_case={"type": "lost_in_space"}),
        headers=bearer(key),
    )
    assert refused.status_code == 422 and "open_case" in refused.text


async def test_a_plain_contact_without_a_case_stays_plain(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    response = await client.post("/api/v1/contacts", json=ticket(), headers=bearer(key))
    assert response.status_code == 201 and response.json()["case_id"] is None
    assert not await Case.exists()
