"""WISMO/WISMR contacts arrive from a help desk, a CSV of history, or an agent's click."""

import asyncio
import os
import sys
from pathlib import Path

from porchlight.models import Contact
from tests.factories import a_brand, an_order, bearer
from tests.test_agent_workspace import a_case, an_agent, signed_in_token


async def test_a_help_desk_reports_a_contact_once_however_often_it_retries(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    body = {
        "channel": "phone",
        "reason": "wismo",
        "order_number": "A-1001",
        "occurred_at": "2026-11-24T10:15:00+01:00",
        "external_id": "zendesk-4711",
    }
    first = await client.post("/api/v1/contacts", json=body, headers=bearer(key))
    assert first.status_code == 201
    assert first.json()["order_found"] is True
    again = await client.post("/api/v1/contacts", json=body, headers=bearer(key))
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    contact = await Contact.get().select_related("order")
    assert contact.order.number == "A-1001" and contact.occurred_at.hour == 9


async def test_a_contact_about_an_unknown_order_still_counts(client):
    _, key = await a_brand()
    response = await client.post(
        "/api/v1/contacts",
        json={"channel": "chat", "reason": "wismr", "order_number": "NOPE"},
        headers=bearer(key),
    )
    assert response.status_code == 201 and response.json()["order_found"] is False
    assert await Contact.filter(order_id=None, reason="wismr").count() == 1


async def test_a_malformed_contact_is_refused_with_the_field_named(client):
    _, key = await a_brand()
    bad = await client.post(
        "/api/v1/contacts", json={"channel": "phone", "reason": "angry"}, headers=bearer(key)
    )
    assert bad.status_code == 422 and "reason" in bad.json()["fields"]
    unsigned = await client.post("/api/v1/contacts", json={"channel": "x", "reason": "wismo"})
    assert unsigned.status_code == 401
    assert await Contact.all().count() == 0


async def run_import(settings, tmp_path: Path, text: str) -> tuple[int, str, str]:
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(text)
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SECRET_KEY": "x" * 40}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("porchlight")),
        "import-contacts",
        str(csv_file),
        "--brand",
        "northwind",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_a_csv_of_history_imports_the_good_rows_and_names_the_bad_ones(settings, tmp_path):
    brand, _ = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    text = (
        "occurred_at,channel,reason,order_number,external_id\n"
        "2026-10-01T09:00:00Z,phone,wismo,A-1001,h-1\n"
        "yesterday,phone,wismo,A-1001,h-2\n"
        "2026-10-02 10:30,email,wismr,,h-3\n"
        "2026-10-03T11:00:00Z,phone,complaint,,h-4\n"
    )
    code, out, err = await run_import(settings, tmp_path, text)
    assert code == 1
    assert "2 contacts imported, 0 already there, 2 rows refused" in out
    assert "line 3: occurred_at: not a date and time: 'yesterday'" in err
    assert "line 5: reason:" in err
    assert sorted(await Contact.all().values_list("external_id", flat=True)) == ["h-1", "h-3"]
    code, out, _ = await run_import(settings, tmp_path, text)
    assert "0 contacts imported, 2 already there" in out
    assert await Contact.all().count() == 2


async def test_an_agent_logs_a_contact_from_the_case_page(client):
    brand, _ = await a_brand()
    agent = await an_agent()
    case = await a_case(brand)
    token = await signed_in_token(client, "agent@northwind.test")
    refused = await client.post(
        f"/agent/cases/{case.id}/contact", data={"channel": "pigeon", "csrf_token": token}
    )
    assert refused.status_code == 422
    logged = await client.post(
        f"/agent/cases/{case.id}/contact", data={"channel": "phone", "csrf_token": token}
    )
    assert logged.status_code == 303
    contact = await Contact.get()
    assert (contact.case_id, contact.agent_id, contact.reason) == (case.id, agent.id, "wismo")
