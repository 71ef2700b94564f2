"""One case on one page: what the shopper saw, what we sent, what agents did, in one timeline;
the ship-time evidence; and the actions of the two tracks, each audited."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from notifier.notifications import schedule
from porchlight.cases import cases
from porchlight.cases.cases import CaseError
from porchlight.connectors import registration
from porchlight.desk.actions import CONTACT_CHANNELS
from porchlight.enums import CloseCode, ContactReason, Direction, ExceptionType, Role, Trigger
from porchlight.insight.contacts import ContactIn, record_contact
from porchlight.models import Agent, Case, CaseEntry, Notification, Order, TrackingEvent
from porchlight.orders.refunds import announce
from porchlight.platform.clock import utcnow
from porchlight.tracking import labels, timeline
from porchlight.tracking.labels import worded
from porchlight.tracking.status_text import HEADLINE, N_, scan_text
from portal.agent.queue import case_for, colleagues
from portal.agent.session import agent_of, requires_agent
from portal.csrf import checked_form
from portal.rendering import render, translator
from portal.state import app_state

# What "notify customer" sends for each exception: the notifier's own templates.
NOTICE: dict[ExceptionType, Trigger] = {
    ExceptionType.NO_FIRST_SCAN: Trigger.LOOKING_INTO_IT,
    ExceptionType.STALLED_IN_TRANSIT: Trigger.LOOKING_INTO_IT,
    ExceptionType.DELAY: Trigger.DELAY,
    ExceptionType.FAILED_ATTEMPT: Trigger.FAILED_ATTEMPT,
    ExceptionType.DELIVERED_NOT_RECEIVED: Trigger.EXCEPTION,
    ExceptionType.DAMAGE_REPORTED: Trigger.EXCEPTION,
    ExceptionType.RETURN_TO_SENDER: Trigger.RETURNING_TO_SENDER,
}


@dataclass(frozen=True)
class Moment:
    """One line of the combined timeline."""

    at: datetime
    kind: str  # scan, message, action
    title: str
    body: str = ""
    who: str = ""
    data: dict[str, Any] | None = None


def _entry_body(entry: CaseEntry, _: Callable[[str], str]) -> str:
    """What an agent action says, with the codes it stores (a trigger, a channel) in words."""
    table: dict[str, dict[str, str]] = {
        "customer_notified": labels.trigger,
        "contact_logged": labels.contact_channel,
    }
    words = table.get(entry.kind, {})
    return _(words[entry.body]) if entry.body in words else entry.body


def place(location: dict[str, Any]) -> str:
    return ", ".join(str(location[k]) for k in ("city", "country") if location.get(k))


def scan_moment(event: TrackingEvent, _: Callable[[str], str], who: str = "") -> Moment:
    """A carrier scan: what it means in words, then the carrier's own message and the place."""
    return Moment(
        event.occurred_at,
        "scan",
        _(scan_text(event.status, event.carrier_substatus)),
        " · ".join(part for part in (event.message, place(event.location)) if part),
        who,
    )


def message_moment(sent: Notification, _: Callable[[str], str], who: str) -> Moment:
    """A message sent or held back: channel, trigger and outcome in words, then its subject or,
    when it was not sent, why."""
    return Moment(
        sent.sent_at or sent.created_at,
        "message",
        " · ".join(
            worded(table, code, _)
            for table, code in (
                (labels.channel, sent.channel),
                (labels.trigger, sent.trigger),
                (labels.notification_status, sent.status),
            )
        ),
        sent.subject
        or sent.body
        or (worded(labels.skip_reason, sent.skip_reason, _) if sent.skip_reason else "")
        or sent.error,
        who,
    )


def entry_moment(entry: CaseEntry, _: Callable[[str], str]) -> Moment:
    return Moment(
        entry.created_at,
        "action",
        entry.kind,
        _entry_body(entry, _),
        entry.author.email if entry.author else "",
        entry.data,
    )


async def _context(request: Request, case: Case) -> dict[str, Any]:
    await case.fetch_related("shipment", "owner", "brand")
    order = await Order.get(id=case.shipment.order_id).select_related("customer")  # type: ignore[attr-defined]
    parcel = next(p for p in await timeline.parcels(order) if p.shipment.id == case.shipment.id)
    _ = translator(request, None)
    sent = await Notification.filter(shipment_id=case.shipment.id).order_by("created_at")
    entries = (
        await CaseEntry.filter(case=case).select_related("author").order_by("created_at", "id")
    )
    moments = [scan_moment(e, _) for e in parcel.events]
    moments += [message_moment(n, _, n.recipient) for n in sent]
    moments += [entry_moment(e, _) for e in entries]
    photos = [name for e in entries for name in (e.data or {}).get("photos", [])]
    now = utcnow()
    me = agent_of(request)
    return {
        "agent": me,
        "case": case,
        "order": order,
        "shipment": case.shipment,
        "parcel": parcel,
        "headlines": HEADLINE,
        "moments": sorted(moments, key=lambda m: m.at, reverse=True),
        "photos": photos,
        "overdue": {case.id} if cases.is_overdue(case, now) else set(),
        "breached": cases.breached(case, now),
        "close_codes": list(CloseCode),
        "contact_channels": CONTACT_CHANNELS,
        "customer_actions": cases.CUSTOMER_ACTIONS,
        "carrier_steps": cases.CARRIER_STEPS,
        "carrier_open": cases.carrier_track_open(case),
        "open_claim": cases.open_claim(case),
        "colleagues": await colleagues(request) if me.role != Role.AGENT else [],
        "registrations": await registration.of_shipment(case.shipment),
        # A call-back case (a low rating) has no message: the lead phones the shopper.
        "notice": NOTICE.get(ExceptionType(case.type)),
        "notice_sent": any(n.trigger == NOTICE.get(ExceptionType(case.type)) for n in sent),
    }


@requires_agent()
async def case_page(request: Request) -> Response:
    case = await case_for(request)
    return render(
        request,
        None,
        "agent/case.html",
        await _context(request, case),
        headers={"Cache-Control": "no-store"},
    )


async def _notify(request: Request, case: Case, form: FormData, by: Agent) -> None:
    trigger = NOTICE.get(ExceptionType(case.type))
    if trigger is None:
        raise HTTPException(404)
    await case.fetch_related("shipment")
    if await Notification.exists(shipment_id=case.shipment.id, trigger=trigger):
        raise CaseError(N_("The customer has already had this message for this parcel."))
    order = await Order.get(id=case.shipment.order_id).select_related("brand", "customer")  # type: ignore[attr-defined]
    ctx = {"redis": app_state(request).arq, "settings": app_state(request).settings}
    await schedule(ctx, case.shipment, order, trigger)
    await CaseEntry.create(case=case, kind="customer_notified", body=trigger.value, author=by)


async def _customer(request: Request, case: Case, form: FormData, by: Agent) -> None:
    """The customer's track; a refund also tells the shopper their money is on its way."""
    refund = await cases.customer_resolution(
        case,
        str(form.get("action", "")),
        by,
        amount=str(form.get("amount", "")),
        currency=str(form.get("currency", "")),
        note=str(form.get("note", "")),
    )
    if refund is not None:
        await announce(app_state(request).arq, refund)


async def _log_contact(request: Request, case: Case, form: FormData, by: Agent) -> None:
    """The shopper called or wrote about this parcel: it counts toward the contact rate."""
    channel = str(form.get("channel", ""))
    if channel not in CONTACT_CHANNELS:
        raise CaseError(N_("Choose how the customer got in touch."))
    await case.fetch_related("shipment__order", "brand")
    reason = (
        ContactReason.WISMR if case.shipment.direction == Direction.RETURN else ContactReason.WISMO
    )
    data = ContactIn(channel=channel, reason=reason, order_number=case.shipment.order.number)
    await record_contact(case.brand, data, case=case, agent=by)
    await CaseEntry.create(case=case, kind="contact_logged", body=channel, author=by)


Action = Callable[[Request, Case, FormData, Agent], Awaitable[None]]
ACTIONS: dict[str, Action] = {
    "note": lambda r, c, f, by: cases.add_note(c, str(f.get("text", "")), by),
    "evidence": lambda r, c, f, by: cases.request_evidence(c, str(f.get("what", "")), by),
    "customer": _customer,
    "carrier": lambda r, c, f, by: cases.carrier_recovery(
        c,
        str(f.get("step", "")),
        by,
        claim_number=str(f.get("claim_number", "")),
        amount=str(f.get("amount", "")),
        currency=str(f.get("currency", "")),
        note=str(f.get("note", "")),
    ),
    "close": lambda r, c, f, by: cases.close(
        c,
        str(f.get("close_code", "")),
        by,
        str(f.get("note", "")),
        claim_stays_open=f.get("claim_stays_open") == "1",
    ),
    "notify": _notify,
    "contact": _log_contact,
}


@requires_agent()
async def case_action(request: Request) -> Response:
    case = await case_for(request)
    action = ACTIONS.get(request.path_params["action"])
    if action is None:
        raise HTTPException(404)
    form = await checked_form(request)
    me = agent_of(request)
    try:
        await action(request, case, form, me)
    except CaseError as exc:
        context = await _context(request, await Case.get(id=case.id))
        context["error"] = translator(request, None)(str(exc))
        context["error_for"] = request.path_params["action"]
        return render(request, None, "agent/case.html", context, status=422)
    return RedirectResponse(f"/agent/cases/{case.id}#timeline", 303)


@requires_agent()
async def case_photo(request: Request) -> Response:
    """A shopper's photo, to the agents of the case's brand only."""
    case = await case_for(request)
    name = request.path_params["name"]
    known: list[dict[str, Any]] = await CaseEntry.filter(case=case).values_list("data", flat=True)  # type: ignore[assignment]
    if not any(name in data.get("photos", []) for data in known):
        raise HTTPException(404)
    path = Path(app_state(request).settings.upload_dir) / str(case.shipment_id) / name  # type: ignore[attr-defined]
    if not await anyio.Path(path).is_file():
        raise HTTPException(404)
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


routes = [
    Route("/agent/cases/{case_id:int}", case_page, methods=["GET"]),
    Route("/agent/cases/{case_id:int}/photos/{name:str}", case_photo, methods=["GET"]),
    Route("/agent/cases/{case_id:int}/{action:str}", case_action, methods=["POST"]),
]
