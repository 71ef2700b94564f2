"""Agent accounts: argon2 password hashes, roles, and the brands each agent may see."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from porchlight.enums import Role
from porchlight.models import Agent, Brand

hasher = PasswordHasher()


class AgentError(Exception):
    pass


async def upsert_agent(
    email: str, password: str, role: str, brand_slugs: list[str], *, name: str = ""
) -> Agent:
    if len(password) < 10:
        raise AgentError("password must be at least 10 characters")
    brands = await Brand.filter(slug__in=brand_slugs)
    missing = set(brand_slugs) - {b.slug for b in brands}
    if missing:
        raise AgentError(f"no such brand: {', '.join(sorted(missing))}")
    agent, _ = await Agent.update_or_create(
        email=email.strip().lower(),
        defaults={"password_hash": hasher.hash(password), "role": Role(role), "name": name},
    )
    await agent.brands.clear()
    await agent.brands.add(*brands)
    return agent


def password_matches(agent: Agent, password: str) -> bool:
    try:
        return hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
