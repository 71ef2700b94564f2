"""What follows a change in a shipment's derived state. Every path that re-derives a shipment
(the refresh job, the reconcile sweep) ends here, so no reaction is missed or run twice."""

import logging
from typing import Any

from notifier import notifications
from porchlight.derive import Change

log = logging.getLogger(__name__)


async def react(ctx: dict[str, Any], changes: list[Change]) -> None:
    await notifications.plan(ctx, changes)
    for change in changes:
        log.info(
            "shipment %s: %s -> %s",
            change.shipment.id,
            change.before.status,
            change.after.status,
        )
