"""Agent accounts: argon2 password hashes, roles, the brands each agent may see, and sessions
kept in the database, so that logging out, a deactivation or a new password ends them at once."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from porchlight.enums import Role
from porchlight.models import Agent, AgentSession, Brand
from porchlight.platform.clock import utcnow
from porchlight.platform.settings import Settings

hasher = PasswordHasher()
# A session's last request is written at most this often, not on every request; so it may idle
# out up to this much later than SESSION_IDLE_MINUTES says (which is at least 5 minutes).
SEEN_EVERY = timedelta(minutes=1)


class AgentError(Exception):
    pass


def hash_password(password: str) -> str:
    """Blocking for a tenth of a second or more (argon2), like `password_matches`."""
    return hasher.hash(password)


def strong_enough(password: str) -> str:
    if len(password) < 10:
        raise AgentError("password must be at least 10 characters")
    return password


async def upsert_agent(
    email: str, password: str, role: str, brand_slugs: list[str], *, name: str = ""
) -> Agent:
    """Create or update (and reactivate) an agent; an update ends the agent's sessions."""
    strong_enough(password)
    brands = await Brand.filter(slug__in=brand_slugs)
    missing = set(brand_slugs) - {b.slug for b in brands}
    if missing:
        raise AgentError(f"no such brand: {', '.join(sorted(missing))}")
    async with in_transaction():
        agent, _ = await Agent.update_or_create(
            email=email.strip().lower(),
            defaults={
                "password_hash": hash_password(password),
                "role": Role(role),
                "name": name,
                "active": True,
            },
        )
        await agent.brands.clear()
        await agent.brands.add(*brands)
        await end_sessions(agent)
    return agent


async def _change(email: str, **changes: object) -> Agent:
    """Saves the changes and ends every session the agent has, in one transaction."""
    async with in_transaction():
        agent = await Agent.get_or_none(email=email.strip().lower())
        if agent is None:
            raise AgentError(f"no agent {email}")
        agent.update_from_dict(changes)
        await agent.save(update_fields=list(changes))
        await end_sessions(agent)
    return agent


async def set_password(email: str, password: str) -> Agent:
    """A new password ends the agent's sessions at once."""
    return await _change(email, password_hash=hash_password(strong_enough(password)))


async def deactivate_agent(email: str) -> Agent:
    """Refuses the agent's sign-ins from now on and ends their sessions."""
    return await _change(email, active=False)


@cache
def _unknown_hash() -> str:
    """What an unknown or inactive email's password is checked against: the same argon2 work as
    a known one's, so the time of the answer does not tell which emails have accounts."""
    return hash_password(secrets.token_urlsafe(32))


def password_matches(agent: Agent | None, password: str) -> bool:
    """Blocking for a tenth of a second or more (argon2): call it off the event loop."""
    try:
        matches = hasher.verify(agent.password_hash if agent else _unknown_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and agent is not None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _limits(settings: Settings) -> tuple[timedelta, timedelta]:
    return timedelta(minutes=settings.session_idle_minutes), timedelta(
        hours=settings.session_max_hours
    )


async def start_session(agent: Agent, settings: Settings) -> str:
    """A new session; returns its key for the cookie. Expired sessions (anyone's) go on the way."""
    now = utcnow()
    idle, lifetime = _limits(settings)
    await AgentSession.filter(
        Q(created_at__lte=now - lifetime) | Q(last_seen_at__lte=now - idle)
    ).delete()
    key = secrets.token_urlsafe(32)
    await AgentSession.create(agent=agent, key_hash=_digest(key), created_at=now, last_seen_at=now)
    return key


async def session_agent(key: str, settings: Settings) -> Agent | None:
    """The active agent whose live session the key opens, with their brands; else None."""
    now = utcnow()
    idle, lifetime = _limits(settings)
    session = (
        await AgentSession.filter(
            key_hash=_digest(key),
            agent__active=True,
            created_at__gt=now - lifetime,
            last_seen_at__gt=now - idle,
        )
        .select_related("agent")
        .first()
    )
    if session is None:
        return None
    if now - session.last_seen_at >= SEEN_EVERY:
        await AgentSession.filter(id=session.id).update(last_seen_at=now)
    await session.agent.fetch_related("brands")
    return session.agent


async def end_session(key: str) -> None:
    await AgentSession.filter(key_hash=_digest(key)).delete()


async def end_sessions(agent: Agent) -> None:
    await AgentSession.filter(agent=agent).delete()
