"""One way to record a change, so the console's log and the agent order view read the same trail.

Only what changed is kept: `before` and `after` hold the differing keys of two JSON objects,
which keeps a settings edit readable ("daily_message_cap: 4 → 2") and secrets out (callers
pass masked values for keys and webhook secrets)."""

from typing import Any

from porchlight.models import Agent, AuditEntry, Brand
from porchlight.platform.clock import utcnow


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keys whose values differ, each side with only those keys."""
    keys = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    return (
        {k: before[k] for k in sorted(keys) if k in before},
        {k: after[k] for k in sorted(keys) if k in after},
    )


async def record(
    action: str,
    *,
    brand: Brand | None,
    agent: Agent | None = None,
    actor: str | None = None,
    subject: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Store one entry. Dicts are cut to their differing keys; `actor` defaults to the agent's
    email, else "system"."""
    if isinstance(before, dict) and isinstance(after, dict):
        before, after = changed(before, after)
    return await AuditEntry.create(
        brand=brand,
        agent=agent,
        actor=actor or (agent.email if agent else "system"),
        action=action,
        subject=subject,
        before=before,
        after=after,
        created_at=utcnow(),
    )
