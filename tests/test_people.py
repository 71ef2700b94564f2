"""A brand's people: invitations by one-time link, roles, deactivation and locks, all audited."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from porchlight.accounts.agents import AgentError
from porchlight.accounts.people import (
    accept,
    brand_agent,
    change_role,
    deactivate,
    invite,
    resend,
    reset_lock,
)
from porchlight.enums import Role
from porchlight.models import Agent, AgentInvite, AgentSession, AuditEntry
from porchlight.platform.clock import utcnow
from tests.factories import a_brand
from tests.test_agent_workspace import PASSWORD, an_agent, csrf_from, sign_in, signed_in_token
from tests.test_api_keys import porchlight


def outbox(settings, pattern):
    return [json.loads(p.read_text()) for p in Path(settings.outbox_dir).glob(pattern)]


async def an_admin():
    brand, _ = await a_brand()
    return brand, await an_agent("admin@northwind.test", role="admin")


async def test_an_invited_agent_sets_a_password_once_and_signs_in(client):
    brand, admin = await an_admin()
    agent, token = await invite(brand, " Bo@Northwind.test ", Role.AGENT, by=admin)
    assert agent.email == "bo@northwind.test"
    assert not await AgentInvite.exists(token_hash=token)  # only its hash is kept
    assert (await sign_in(client, "bo@northwind.test", "")).status_code == 401

    page = await client.get(f"/agent/welcome/{token}")
    assert page.status_code == 200 and "bo@northwind.test" in page.text
    short = await client.post(
        f"/agent/welcome/{token}",
        data={"csrf_token": csrf_from(page.text), "password": "short", "password_again": "short"},
    )
    assert short.status_code == 422
    done = await client.post(
        f"/agent/welcome/{token}",
        data={"csrf_token": csrf_from(page.text), "password": PASSWORD, "password_again": PASSWORD},
    )
    assert done.status_code == 200
    assert (await sign_in(client, "bo@northwind.test")).status_code == 303

    again = await client.get(f"/agent/welcome/{token}")
    assert again.status_code == 404
    with pytest.raises(AgentError):
        await accept(token, "another long password")
    actions = await AuditEntry.filter(brand=brand).values_list("action", flat=True)
    assert set(actions) == {"agent.invite", "agent.accept_invite"}


async def test_an_expired_or_replaced_link_opens_nothing(client):
    brand, admin = await an_admin()
    agent, first = await invite(brand, "bo@northwind.test", Role.AGENT, by=admin)
    second = await resend(brand, agent, by=admin)
    assert (await client.get(f"/agent/welcome/{first}")).status_code == 404
    await AgentInvite.filter(agent=agent).update(expires_at=utcnow() - timedelta(seconds=1))
    assert (await client.get(f"/agent/welcome/{second}")).status_code == 404


async def test_an_email_with_an_account_or_a_role_above_the_inviters_is_refused():
    brand, admin = await an_admin()
    lead = await an_agent("lead@northwind.test", role="lead")
    with pytest.raises(AgentError):
        await invite(brand, "admin@northwind.test", Role.AGENT, by=admin)
    with pytest.raises(AgentError):
        await invite(brand, "new@northwind.test", Role.ADMIN, by=lead)


async def test_deactivating_ends_the_agents_sessions_at_once(client):
    brand, admin = await an_admin()
    agent = await an_agent("bo@northwind.test")
    await signed_in_token(client, "bo@northwind.test")
    assert await AgentSession.exists(agent=agent)
    await deactivate(brand, agent, by=admin)
    assert not await AgentSession.exists(agent=agent)
    assert (await client.get("/agent/")).status_code == 303  # back to the sign-in
    assert not (await Agent.get(id=agent.id)).active
    [entry] = await AuditEntry.filter(action="agent.deactivate")
    assert (entry.before, entry.after, entry.actor) == (
        {"active": True},
        {"active": False},
        "admin@northwind.test",
    )


async def test_an_agent_of_two_brands_loses_only_this_one():
    brand, admin = await an_admin()
    await a_brand("fjord", host="fjord.example.com")
    agent = await an_agent("bo@northwind.test", brands=("northwind", "fjord"))
    await deactivate(brand, agent, by=admin)
    agent = await Agent.get(id=agent.id).prefetch_related("brands")
    assert agent.active and [b.slug for b in agent.brands] == ["fjord"]


async def test_role_changes_and_lock_resets_are_audited_and_bounded():
    brand, admin = await an_admin()
    agent = await an_agent("bo@northwind.test")
    await change_role(brand, agent, Role.LEAD, by=admin)
    assert (await Agent.get(id=agent.id)).role == Role.LEAD
    await Agent.filter(id=agent.id).update(failed_logins=5, locked_until=utcnow() + timedelta(1))
    await reset_lock(brand, await Agent.get(id=agent.id), by=admin)
    fresh = await Agent.get(id=agent.id)
    assert (fresh.failed_logins, fresh.locked_until) == (0, None)
    entries = await AuditEntry.filter(brand=brand).order_by("id")
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("agent.role", {"role": "agent"}, {"role": "lead"}),
        (
            "agent.reset_lock",
            {"failed_logins": 5, "locked": True},
            {"failed_logins": 0, "locked": False},
        ),
    ]
    with pytest.raises(AgentError):
        await change_role(brand, admin, Role.AGENT, by=admin)  # never oneself


async def test_another_brands_agent_is_not_found():
    brand, _ = await an_admin()
    await a_brand("fjord", host="fjord.example.com")
    stranger = await an_agent("x@fjord.test", brands=("fjord",))
    assert await brand_agent(brand, stranger.id) is None


async def test_an_operator_invites_from_the_command_line(client, settings, monkeypatch):
    await a_brand()
    monkeypatch.setenv("OUTBOX_DIR", settings.outbox_dir)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://track.example.com")
    code, said = await porchlight(
        settings, "invite-agent", "Cy@Northwind.test", "--brand", "northwind", "--role", "lead"
    )
    assert code == 0, said
    link = said.strip().splitlines()[-1]
    assert link.startswith("https://track.example.com/agent/welcome/")
    # the session's outbox: other tests' invitations are in it too
    [mail] = [m for m in outbox(settings, "invite-*.json") if m["to"] == "cy@northwind.test"]
    assert link in mail["text"]
    page = await client.get(link.removeprefix("https://track.example.com"))
    assert page.status_code == 200 and "cy@northwind.test" in page.text
    assert (await Agent.get(email="cy@northwind.test")).role == Role.LEAD
