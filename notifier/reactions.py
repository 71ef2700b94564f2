"""What follows a change in a shipment's derived state. Every path that re-derives a shipment
(the refresh job, the reconcile sweep) ends here, so no reaction is missed or run twice."""

import logging
from typing import Any

from notifier import edd, notifications
from porchlight.cases import cases
from porchlight.cases import rules as exception_rules
from porchlight.enums import CaseSource, ShipmentStatus
from porchlight.tracking.derive import Change

log = logging.getLogger(__name__)


async def react(ctx: dict[str, Any], changes: list[Change]) -> None:
    await notifications.plan(ctx, changes)
    for change in changes:
        for type_ in exception_rules.from_carrier(change):
            detail = change.after.carrier_status_detail or change.after.status
            await cases.open_or_join(change.shipment, type_, CaseSource.CARRIER, detail)
        if change.after.status == ShipmentStatus.DELIVERED:
            await cases.resolve_on_delivery(change.shipment)
        await edd.repredict(ctx, change.shipment)
        log.info(
            "shipment %s: %s -> %s",
            change.shipment.id,
            change.before.status,
            change.after.status,
        )
