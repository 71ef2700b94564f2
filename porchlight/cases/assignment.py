"""Who takes a new case: the brand's agents who marked themselves available, in turn (the one
whose last case came longest ago first). Claimed with a conditional UPDATE, so two cases opened
at once go to two agents, not both to the same one."""

from datetime import UTC, datetime

from porchlight.models import Agent, Case, CaseEntry
from porchlight.platform.clock import utcnow

NEVER = datetime.min.replace(tzinfo=UTC)


async def next_agent(brand_id: int) -> Agent | None:
    """The available agent whose turn it is, marked as having just taken a case."""
    candidates = await Agent.filter(active=True, available=True, brands__id=brand_id).distinct()
    candidates.sort(key=lambda a: (a.last_assigned_at or NEVER, a.id))
    now = utcnow()
    for agent in candidates:
        if await Agent.filter(id=agent.id, last_assigned_at=agent.last_assigned_at).update(
            last_assigned_at=now
        ):
            return agent
    return None


async def auto_assign(case: Case) -> Agent | None:
    """Give a new case without an owner to the next available agent of its brand."""
    if case.owner_id is not None:  # type: ignore[attr-defined]
        return None
    agent = await next_agent(case.brand_id)  # type: ignore[attr-defined]
    if agent is None:
        return None
    updated = await Case.filter(id=case.id, owner_id=None).update(owner_id=agent.id)
    if not updated:
        return None
    case.owner = agent
    await CaseEntry.create(case=case, kind="assigned", data={"owner": agent.email, "auto": True})
    return agent
