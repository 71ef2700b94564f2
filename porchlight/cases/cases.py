"""Delivery-exception cases: one open case per (shipment, type), new signals join it; an owner,
SLA clocks in business hours, two tracks that close separately, a close code, and an audit
entry for every change."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from porchlight.accounts.brand_settings import settings_of
from porchlight.cases.assignment import auto_assign
from porchlight.cases.business_hours import Calendar
from porchlight.cases.triage import implied_close_code, priority_flags, rank
from porchlight.enums import CaseSource, CaseState, CloseCode, ExceptionType, PriorityFlag
from porchlight.models import Agent, Brand, Case, CaseEntry, Order, Refund, Shipment
from porchlight.orders.refunds import record_refund
from porchlight.platform.clock import utcnow
from porchlight.tracking.status_text import N_

E = ExceptionType


@dataclass(frozen=True)
class Sla:
    """First action due after `hours` of business time, or at the end of the business day."""

    hours: float = 0
    same_day: bool = False


# DESIGN.md's default first-action SLAs; a brand overrides hours with {"sla_hours": {...}}.
FIRST_ACTION_SLA: dict[E, Sla] = {
    E.NO_FIRST_SCAN: Sla(hours=4),
    E.STALLED_IN_TRANSIT: Sla(hours=8),  # one business day
    E.FAILED_ATTEMPT: Sla(same_day=True),
    E.DELIVERED_NOT_RECEIVED: Sla(same_day=True),
    E.DAMAGE_REPORTED: Sla(hours=2),
    E.RETURN_TO_SENDER: Sla(hours=8),
    E.DELAY: Sla(hours=8),
    E.LOW_RATING: Sla(same_day=True),  # call the unhappy shopper back today
}
RESOLUTION_BUSINESS_HOURS = 40  # a working week to close

CUSTOMER_ACTIONS = ("refund", "reship", "store_credit", "escalation")
CARRIER_STEPS = ("investigation", "claim_filed", "follow_up", "payout_received", "claim_denied")
# Steps that finish a track: the other track and the case stay open until closed.
CUSTOMER_DONE = {"refund", "reship", "store_credit"}
CARRIER_DONE = {"payout_received", "claim_denied"}


class CaseError(ValueError):
    """An action the case's rules refuse, with the sentence to show the agent."""


def open_key(shipment: Shipment, type_: E) -> str:
    return f"{shipment.id}:{type_.value}"


def due_times(brand: Brand, type_: E, opened: datetime) -> tuple[datetime, datetime]:
    calendar = Calendar.of(brand)
    sla = FIRST_ACTION_SLA[type_]
    hours = settings_of(brand).sla_hours.get(type_)
    if hours is not None:
        first = calendar.add(opened, timedelta(hours=hours))
    elif sla.same_day:
        first = calendar.end_of_day(opened)
    else:
        first = calendar.add(opened, timedelta(hours=sla.hours))
    return first, calendar.add(opened, timedelta(hours=RESOLUTION_BUSINESS_HOURS))


async def open_or_join(
    shipment: Shipment,
    type_: E,
    source: CaseSource,
    body: str = "",
    *,
    data: dict[str, object] | None = None,
    author: Agent | None = None,
    flags: tuple[PriorityFlag, ...] = (),
) -> tuple[Case, bool]:
    """(case, opened): the unique open_key keeps two racing signals from opening two cases.
    `flags`: what the signal itself says about priority (a predicted delay)."""
    entry: dict[str, Any] = {
        "kind": f"signal:{source.value}",
        "body": body,
        "data": data or {},
        "author": author,
    }
    order = await Order.get(id=shipment.order_id).select_related("brand")  # type: ignore[attr-defined]
    brand = order.brand
    now = utcnow()
    first_due, resolution_due = due_times(brand, type_, now)
    # Weightiest first, as PriorityFlag declares them (the queue's order).
    wanted = {*await priority_flags(brand, order, shipment), *flags}
    all_flags = [f.value for f in PriorityFlag if f in wanted]
    try:
        async with in_transaction():
            case = await Case.create(
                brand=brand,
                shipment=shipment,
                type=type_,
                source=source,
                priority_flags=all_flags,
                priority_rank=rank(all_flags),
                sla_due_at=first_due,
                resolution_due_at=resolution_due,
                next_due_at=first_due,
                open_key=open_key(shipment, type_),
            )
            await CaseEntry.create(case=case, **entry)
    except IntegrityError:
        case = await Case.get(open_key=open_key(shipment, type_), state=CaseState.OPEN)
        await CaseEntry.create(case=case, **entry)
        return case, False
    await auto_assign(case)
    return case, True


async def _audit(case: Case, kind: str, by: Agent | None, body: str = "", **data: Any) -> None:
    """Every change leaves an entry; the first agent action stops the first-response clock."""
    await CaseEntry.create(case=case, kind=kind, body=body, data=data, author=by)
    if by is not None and kind != "assigned" and case.first_action_at is None:
        case.first_action_at, case.next_due_at = utcnow(), case.resolution_due_at
        await case.save(update_fields=["first_action_at", "next_due_at"])


def _open(case: Case) -> None:
    if case.state != CaseState.OPEN:
        raise CaseError(N_("This case is closed."))


def _amount(raw: str) -> str:
    if not raw:
        return ""
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise CaseError(N_("Enter the amount as a number, for example 12.50.")) from None
    if value < 0 or value > Decimal("1000000"):
        raise CaseError(N_("Enter the amount as a number, for example 12.50."))
    return f"{value:.2f}"


async def assign(case: Case, owner: Agent, by: Agent) -> None:
    _open(case)
    case.owner = owner
    await case.save(update_fields=["owner_id"])
    await _audit(case, "assigned", by, owner=owner.email)


async def add_note(case: Case, text: str, by: Agent) -> None:
    if not text.strip():
        raise CaseError(N_("Write something in the note."))
    await _audit(case, "note", by, text.strip()[:5000])


async def request_evidence(case: Case, what: str, by: Agent) -> None:
    _open(case)
    if not what.strip():
        raise CaseError(N_("Say which evidence you asked for."))
    await _audit(case, "evidence_requested", by, what.strip()[:1000])


async def customer_resolution(
    case: Case, action: str, by: Agent, *, amount: str = "", currency: str = "", note: str = ""
) -> Refund | None:
    """Refund, reship, store credit or escalation: the customer's track, never the case. A
    refund is also recorded on the order (the refund the shopper is told about)."""
    _open(case)
    if action not in CUSTOMER_ACTIONS:
        raise CaseError(N_("Choose refund, reship, store credit or escalation."))
    if action in {"refund", "store_credit"} and not amount:
        raise CaseError(N_("A refund or store credit needs an amount."))
    step = {"action": action, "amount": _amount(amount), "currency": currency.upper()[:3]}
    state = "resolved" if action in CUSTOMER_DONE else "in_progress"
    await _add_step(case, "customer_resolution", step, by, state=state)
    await _audit(case, f"customer:{action}", by, note.strip()[:1000], **step)
    if action != "refund":
        return None
    order = await Order.get(shipments__id=case.shipment_id)  # type: ignore[attr-defined]
    refund, _ = await record_refund(
        order,
        amount=Decimal(step["amount"]),
        currency=step["currency"] or order.value_currency or "",
        source="agent",
        method="case",
    )
    return refund


def carrier_track_open(case: Case) -> bool:
    """The carrier track runs to its own end (payout or denial), even past the case's close:
    a claim outlives the shopper's answer by weeks."""
    return (case.carrier_recovery or {}).get("state") != "closed"


def open_claim(case: Case) -> str:
    """The number of a claim filed and not yet paid out or denied, else ""."""
    track = case.carrier_recovery or {}
    return str(track.get("claim_number") or "") if carrier_track_open(case) else ""


async def carrier_recovery(
    case: Case,
    step: str,
    by: Agent,
    *,
    claim_number: str = "",
    amount: str = "",
    currency: str = "",
    note: str = "",
) -> None:
    """Investigation, claim, follow-up, payout: the money and evidence track, which stays
    usable after the case is closed until its own end."""
    if not carrier_track_open(case):
        raise CaseError(N_("The carrier recovery of this case is finished."))
    if step not in CARRIER_STEPS:
        raise CaseError(N_("Choose a carrier recovery step."))
    claim = claim_number.strip()[:64] or (case.carrier_recovery or {}).get("claim_number", "")
    if step in {"claim_filed", "follow_up", "payout_received"} and not claim:
        raise CaseError(N_("Enter the carrier's claim number."))
    if step in {"claim_filed", "payout_received"} and not amount:
        raise CaseError(N_("Enter the amount claimed or paid out."))
    record = {"step": step, "amount": _amount(amount), "currency": currency.upper()[:3]}
    state = "closed" if step in CARRIER_DONE else "open"
    await _add_step(case, "carrier_recovery", record, by, state=state, claim_number=claim)
    await _audit(case, f"carrier:{step}", by, note.strip()[:1000], claim_number=claim, **record)


async def _add_step(case: Case, name: str, step: dict[str, Any], by: Agent, **track: str) -> None:
    """One of the case's two tracks gets a dated, signed step and its new state."""
    kept = getattr(case, name) or {}
    steps = [*kept.get("steps", []), {**step, "at": utcnow().isoformat(), "by": by.email}]
    setattr(case, name, {**kept, "steps": steps, **track})
    await case.save(update_fields=[name])


async def close(
    case: Case, code: str, by: Agent | None, note: str = "", *, claim_stays_open: bool = False
) -> None:
    """Closing needs one of DESIGN.md's close codes: they are the prevention data. With a
    carrier claim still open, an agent must say they close anyway (`claim_stays_open`): the
    claim's payout or denial is then recorded on the closed case."""
    _open(case)
    try:
        close_code = CloseCode(code)
    except ValueError:
        raise CaseError(N_("Choose a close code before closing the case.")) from None
    if by is not None and open_claim(case) and not claim_stays_open:
        raise CaseError(
            N_(
                "A carrier claim is still open. Tick “Close with the claim open” to close "
                "anyway, then record its payout or denial here when it comes."
            )
        )
    case.state, case.close_code, case.closed_at, case.open_key = (
        CaseState.CLOSED,
        close_code,
        utcnow(),
        None,
    )
    await case.save(update_fields=["state", "close_code", "closed_at", "open_key"])
    await _audit(case, "closed", by, note.strip()[:1000], close_code=close_code.value)


async def resolve_on_delivery(shipment: Shipment) -> int:
    """A delivered scan ends the waiting cases: delay, stalled and no first scan, each with the
    close code its cause implies (a late hand-over is the warehouse's, not the carrier's)."""
    waiting = await Case.filter(
        shipment_id=shipment.id,
        state=CaseState.OPEN,
        type__in=[E.DELAY, E.STALLED_IN_TRANSIT, E.NO_FIRST_SCAN],
    ).select_related("brand")
    for case in waiting:
        await close(
            case,
            implied_close_code(case.brand, case, shipment),
            None,
            "Resolved automatically: the carrier scanned the parcel as delivered.",
        )
    return len(waiting)


def is_overdue(case: Case, now: datetime) -> bool:
    return case.state == CaseState.OPEN and case.next_due_at is not None and case.next_due_at < now


def breached(case: Case, now: datetime) -> bool:
    """First response late (or still missing past its due time): what the breach count counts."""
    if case.sla_due_at is None:
        return False
    return (case.first_action_at or now) > case.sla_due_at
