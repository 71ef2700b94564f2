"""A brand's people, run by its admins: invite (a one-time link to set a password), change a
role, deactivate, reset a lock. Each change is audited. Refusals (AgentError) carry a msgid the
console translates. Sessions end where access ends.

An invitation's token is shown once, in the link; only its sha256 is kept. It expires after
INVITE_LIFETIME and is spent by one atomic UPDATE, so two submissions of the same link cannot
both set a password."""

import hashlib
import secrets
from datetime import timedelta

from anyio import to_thread
from tortoise.transactions import in_transaction

from porchlight.accounts.agents import AgentError, end_sessions, hash_password, strong_enough
from porchlight.accounts.audit import record
from porchlight.enums import Role
from porchlight.models import Agent, AgentInvite, Brand
from porchlight.platform.clock import utcnow
from porchlight.platform.i18n import N_

INVITE_LIFETIME = timedelta(hours=72)
# Not an argon2 hash: no password matches it until the link is used.
NO_PASSWORD = "!invited"  # noqa: S105
RANK = {Role.AGENT: 0, Role.LEAD: 1, Role.ADMIN: 2}
GRANTABLE = (Role.AGENT, Role.LEAD, Role.ADMIN)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invited(agent: Agent) -> bool:
    """True until the agent has set a password through their link."""
    return agent.password_hash == NO_PASSWORD


def _rank(role: str) -> int:
    """A role above admin (a deployment's owner) ranks above every role listed here."""
    return RANK.get(role, len(RANK))  # type: ignore[call-overload]


def grantable(by: Agent | None) -> list[Role]:
    """The roles `by` may give: none above their own (the CLI, `by=None`, gives any)."""
    return [r for r in GRANTABLE if by is None or _rank(r) <= _rank(by.role)]


def _may_manage(admin: Agent | None, agent: Agent) -> None:
    """An admin changes neither their own account (no locking oneself out) nor a higher one."""
    if admin is None:
        return
    if admin.id == agent.id:
        raise AgentError(N_("You cannot change your own account here."))
    if _rank(agent.role) > _rank(admin.role):
        raise AgentError(N_("This account is above yours."))


async def brand_agent(brand: Brand, agent_id: int) -> Agent | None:
    """One of the brand's people; another brand's agent is None (the page answers 404)."""
    return await Agent.get_or_none(id=agent_id, brands=brand)


async def people(brand: Brand) -> list[Agent]:
    return await Agent.filter(brands=brand).order_by("email")


async def _new_invite(agent: Agent) -> str:
    """A fresh link; earlier unused links of the agent stop working."""
    await AgentInvite.filter(agent=agent, used_at=None).delete()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await AgentInvite.create(
        agent=agent, token_hash=_digest(token), created_at=now, expires_at=now + INVITE_LIFETIME
    )
    return token


async def invite(
    brand: Brand, email: str, role: Role, *, by: Agent | None, actor: str | None = None
) -> tuple[Agent, str]:
    """A new agent of the brand who signs in once they have set a password; returns the agent
    and the token for their link. An email that already has an account is refused."""
    email = email.strip().lower()
    if role not in grantable(by):
        raise AgentError(N_("This role cannot be given here."))
    async with in_transaction():
        if await Agent.exists(email=email):
            raise AgentError(N_("This email already has an account."))
        agent = await Agent.create(email=email, password_hash=NO_PASSWORD, role=role)
        await agent.brands.add(brand)
        token = await _new_invite(agent)
        await record(
            "agent.invite",
            brand=brand,
            agent=by,
            actor=actor,
            subject=f"agent:{agent.id}",
            after={"email": email, "role": role.value},
        )
    return agent, token


async def resend(brand: Brand, agent: Agent, *, by: Agent | None) -> str:
    """A new link for someone who has not used theirs (lost, expired)."""
    if not invited(agent):
        raise AgentError(N_("This agent has already set a password."))
    token = await _new_invite(agent)
    await record("agent.invite_resend", brand=brand, agent=by, subject=f"agent:{agent.id}")
    return token


async def pending_invite(token: str) -> AgentInvite | None:
    """The invitation this link opens, if it is unused and unexpired."""
    return (
        await AgentInvite.filter(
            token_hash=_digest(token), used_at=None, expires_at__gt=utcnow(), agent__active=True
        )
        .select_related("agent")
        .first()
    )


async def accept(token: str, password: str) -> Agent:
    """Sets the invited agent's password and spends the link, at most once."""
    strong_enough(password)
    digest = await to_thread.run_sync(hash_password, password)  # argon2: off the event loop
    now = utcnow()
    async with in_transaction():
        found = await pending_invite(token)
        if found is None:
            raise AgentError(N_("This link is no longer valid."))
        spent = await AgentInvite.filter(id=found.id, used_at=None).update(used_at=now)
        if spent != 1:
            raise AgentError(N_("This link is no longer valid."))
        agent = found.agent
        agent.password_hash = digest
        await agent.save(update_fields=["password_hash"])
        await end_sessions(agent)
        brand = await agent.brands.all().first()
        await record("agent.accept_invite", brand=brand, agent=agent, subject=f"agent:{agent.id}")
    return agent


async def change_role(brand: Brand, agent: Agent, role: Role, *, by: Agent | None) -> Agent:
    _may_manage(by, agent)
    if role not in grantable(by):
        raise AgentError(N_("This role cannot be given here."))
    before = agent.role
    if before != role:
        agent.role = role
        await agent.save(update_fields=["role"])
        await record(
            "agent.role",
            brand=brand,
            agent=by,
            subject=f"agent:{agent.id}",
            before={"role": str(before)},
            after={"role": role.value},
        )
    return agent


async def deactivate(brand: Brand, agent: Agent, *, by: Agent | None) -> Agent:
    """Ends the agent's access to this brand at once (their sessions too). An agent who also
    works for other brands keeps those: they lose this brand only."""
    _may_manage(by, agent)
    async with in_transaction():
        await agent.fetch_related("brands")
        change = "active"
        if any(b.id != brand.id for b in agent.brands):
            change = "brand_access"
            await agent.brands.remove(brand)
        else:
            agent.active = False
            await agent.save(update_fields=["active"])
        await end_sessions(agent)
        await record(
            "agent.deactivate",
            brand=brand,
            agent=by,
            subject=f"agent:{agent.id}",
            before={change: True},
            after={change: False},
        )
    return agent


async def reactivate(brand: Brand, agent: Agent, *, by: Agent | None) -> Agent:
    _may_manage(by, agent)
    if not agent.active:
        agent.active = True
        await agent.save(update_fields=["active"])
        await record(
            "agent.reactivate",
            brand=brand,
            agent=by,
            subject=f"agent:{agent.id}",
            before={"active": False},
            after={"active": True},
        )
    return agent


def locked(agent: Agent) -> bool:
    return agent.locked_until is not None and agent.locked_until > utcnow()


async def reset_lock(brand: Brand, agent: Agent, *, by: Agent | None) -> Agent:
    """Lets a locked-out agent try again now instead of after the lock's 15 minutes."""
    _may_manage(by, agent)
    before = {"failed_logins": agent.failed_logins, "locked": locked(agent)}
    await Agent.filter(id=agent.id).update(failed_logins=0, locked_until=None)
    agent.failed_logins, agent.locked_until = 0, None
    await record(
        "agent.reset_lock",
        brand=brand,
        agent=by,
        subject=f"agent:{agent.id}",
        before=before,
        after={"failed_logins": 0, "locked": False},
    )
    return agent
