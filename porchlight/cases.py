"""Opening delivery-exception cases: one open case per (shipment, type); new signals join it."""

from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from porchlight.clock import utcnow
from porchlight.enums import CaseSource, CaseState, ExceptionType
from porchlight.models import Agent, Case, CaseEntry, Shipment

# DESIGN.md's default first-action SLAs (wall-clock until business calendars refine them).
FIRST_ACTION_SLA: dict[ExceptionType, timedelta] = {
    ExceptionType.NO_FIRST_SCAN: timedelta(hours=4),
    ExceptionType.STALLED_IN_TRANSIT: timedelta(days=1),
    ExceptionType.FAILED_ATTEMPT: timedelta(hours=8),
    ExceptionType.DELIVERED_NOT_RECEIVED: timedelta(hours=8),
    ExceptionType.DAMAGE_REPORTED: timedelta(hours=2),
    ExceptionType.RETURN_TO_SENDER: timedelta(days=1),
}


def open_key(shipment: Shipment, type_: ExceptionType) -> str:
    return f"{shipment.id}:{type_.value}"


async def open_or_join(
    shipment: Shipment,
    type_: ExceptionType,
    source: CaseSource,
    body: str = "",
    *,
    data: dict[str, object] | None = None,
    author: Agent | None = None,
) -> tuple[Case, bool]:
    """(case, opened): the unique open_key keeps two racing signals from opening two cases."""
    entry = {"kind": f"signal:{source.value}", "body": body, "data": data or {}, "author": author}
    try:
        async with in_transaction():
            case = await Case.create(
                brand_id=shipment.brand_id,  # type: ignore[attr-defined]
                shipment=shipment,
                type=type_,
                source=source,
                sla_due_at=utcnow() + FIRST_ACTION_SLA[type_],
                open_key=open_key(shipment, type_),
            )
            await CaseEntry.create(case=case, **entry)
            return case, True
    except IntegrityError:
        case = await Case.get(open_key=open_key(shipment, type_), state=CaseState.OPEN)
        await CaseEntry.create(case=case, **entry)
        return case, False
