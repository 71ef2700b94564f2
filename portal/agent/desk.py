"""Search and the order view: a caller's order in front of the agent in a second, with what
the shopper saw, what we sent or held back and why, and the actions an agent takes from there."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.accounts.audit import record
from porchlight.cases.cases import CaseError
from porchlight.channels import PermanentSendError, TransientSendError
from porchlight.desk import actions
from porchlight.desk.search import search
from porchlight.enums import ExceptionType
from porchlight.models import (
    Agent,
    AuditEntry,
    Case,
    CaseEntry,
    Contact,
    DeliveryRequest,
    Notification,
    Order,
)
from porchlight.notifications.phones import masked
from porchlight.platform.i18n import language_name, supported
from porchlight.tracking import derive, labels, timeline
from porchlight.tracking.labels import worded
from porchlight.tracking.status_text import HEADLINE, N_
from portal.agent.case_page import Moment, entry_moment, message_moment, scan_moment
from portal.agent.session import agent_of, brand_ids, requires_agent
from portal.csrf import checked_form
from portal.rendering import render, translator
from portal.state import app_state

NO_STORE = {"Cache-Control": "no-store"}


@requires_agent()
async def search_page(request: Request) -> Response:
    me = agent_of(request)
    text = request.query_params.get("q", "").strip()[:200]
    hits = await search(text, list(me.brands)) if text else []
    return render(
        request,
        None,
        "agent/search.html",
        {"agent": me, "q": text, "hits": hits, "masked": masked},
        headers=NO_STORE,
    )


async def order_for(request: Request) -> Order:
    """The order, only if it belongs to one of the agent's brands: anything else is a 404."""
    order = await Order.get_or_none(
        id=request.path_params["order_id"], brand_id__in=brand_ids(request)
    ).select_related("customer", "brand")
    if order is None:
        raise HTTPException(404)
    return order


def _audit_body(entry: AuditEntry, _: Callable[[str], str]) -> str:
    """What an action on the order page chose (a case's type, a channel), in words."""
    after = entry.after or {}
    if "type" in after:
        return worded(labels.exception, after["type"], _)
    if "channel" in after:
        table = labels.contact_channel if entry.action == "order.contact" else labels.channel
        return worded(table, after["channel"], _)
    return ""


def _language(code: str) -> str:
    """A shopper's language by its name; a code we do not translate into, as stored."""
    return language_name(code) if supported(code) else code


async def _context(request: Request, order: Order) -> dict[str, Any]:
    _ = translator(request, None)
    parcels = await timeline.parcels(order)
    shipment_ids = [p.shipment.id for p in parcels]
    sent = await Notification.filter(shipment_id__in=shipment_ids).order_by("created_at", "id")
    cases = await Case.filter(shipment_id__in=shipment_ids).order_by("-opened_at", "id")
    entries = (
        await CaseEntry.filter(case_id__in=[c.id for c in cases])
        .select_related("author")
        .order_by("created_at", "id")
    )
    trail = await AuditEntry.filter(brand_id=order.brand.id, subject=actions.subject_of(order))
    tracking = {p.shipment.id: p.shipment.tracking_number for p in parcels}
    moments = [scan_moment(e, _, p.shipment.tracking_number) for p in parcels for e in p.events]
    moments += [
        message_moment(n, _, tracking.get(n.shipment_id, ""))  # type: ignore[attr-defined]
        for n in sent
    ]
    moments += [entry_moment(e, _) for e in entries]
    moments += [Moment(a.created_at, "action", a.action, _audit_body(a, _), a.actor) for a in trail]
    me = agent_of(request)
    return {
        "agent": me,
        "order": order,
        "customer": order.customer,
        "language": _language(order.customer.locale or ""),
        "phone": masked(order.customer.phone) if order.customer.phone else "",
        "parcels": parcels,
        "ahead": {p.shipment.id: derive.date_ahead(p.derived) for p in parcels},  # still coming
        "headlines": HEADLINE,
        "messages": sent,
        "tracking": tracking,
        "cases": cases,
        "problems": [e for e in entries if e.kind == "signal:shopper"],
        "requests": await DeliveryRequest.filter(shipment_id__in=shipment_ids).order_by("id"),
        "contacts": await Contact.filter(order_id=order.id).order_by("-occurred_at").limit(50),
        "moments": sorted(moments, key=lambda m: m.at, reverse=True),
        "types": list(ExceptionType),
        "contact_channels": actions.CONTACT_CHANNELS,
    }


@requires_agent()
async def order_page(request: Request) -> Response:
    order = await order_for(request)
    context = await _context(request, order)
    done = DONE.get(request.query_params.get("done", ""))
    context["done"] = translator(request, None)(done) if done else ""
    return render(request, None, "agent/order.html", context, headers=NO_STORE)


async def _open_case(request: Request, order: Order, form: FormData, by: Agent) -> str:
    case = await actions.open_case(
        order,
        str(form.get("tracking_number", "")),
        str(form.get("type", "")),
        str(form.get("note", "")),
        by,
    )
    return f"/agent/cases/{case.id}"


async def _contact(request: Request, order: Order, form: FormData, by: Agent) -> str:
    await actions.log_contact(order, str(form.get("channel", "")), by)
    return ""


async def _resend(request: Request, order: Order, form: FormData, by: Agent) -> str:
    try:
        await actions.resend_link(
            app_state(request).settings, order, str(form.get("channel", "")), by
        )
    except (TransientSendError, PermanentSendError):
        raise CaseError(N_("The message could not be sent just now. Try again.")) from None
    return ""


async def _new_link(request: Request, order: Order, form: FormData, by: Agent) -> str:
    await actions.new_link(order, by)
    return ""


async def _pause(request: Request, order: Order, form: FormData, by: Agent) -> str:
    await actions.pause_notifications(order, form.get("paused") == "1", by)
    return ""


Action = Callable[[Request, Order, FormData, Agent], Awaitable[str]]
ACTIONS: dict[str, Action] = {
    "case": _open_case,
    "contact": _contact,
    "resend": _resend,
    "new-link": _new_link,
    "pause": _pause,
}
DONE = {
    "contact": N_("Contact logged."),
    "resend": N_("Tracking link sent."),
    "new-link": N_("New link issued: the old one no longer opens the order."),
    "pause": N_("Notifications updated."),
}


@requires_agent()
async def order_action(request: Request) -> Response:
    order = await order_for(request)
    name = request.path_params["action"]
    action = ACTIONS.get(name)
    if action is None:
        raise HTTPException(404)
    form = await checked_form(request)
    _ = translator(request, None)
    try:
        target = await action(request, order, form, agent_of(request))
    except CaseError as exc:
        context = await _context(request, order)
        context |= {"error": _(str(exc)), "error_for": name}
        return render(request, None, "agent/order.html", context, status=422, headers=NO_STORE)
    return RedirectResponse(target or f"/agent/orders/{order.id}?done={name}", 303)


async def _own_choice(
    request: Request, form: FormData, action: str, field: str, wanted: object
) -> Response:
    """An agent's choice about themselves (`field` of their row), audited as `action` when it
    changes; back to the workspace page the form was on."""
    me = agent_of(request)
    if wanted != getattr(me, field):
        await record(
            action,
            brand=None,
            agent=me,
            subject=f"agent:{me.id}",
            before={field: getattr(me, field)},
            after={field: wanted},
        )
        setattr(me, field, wanted)
        await me.save(update_fields=[field])
    back = str(form.get("back", ""))
    return RedirectResponse(back if back.startswith("/agent/") else "/agent/", 303)


@requires_agent()
async def availability(request: Request) -> Response:
    """An agent says whether they take new cases now (round-robin, porchlight.cases.assignment)."""
    form = await checked_form(request)
    wanted = form.get("available") == "1"
    return await _own_choice(request, form, "agent.availability", "available", wanted)


@requires_agent()
async def language(request: Request) -> Response:
    """An agent's own language for what is emailed to them (SLA alerts); none: the brand's."""
    form = await checked_form(request)
    wanted = supported(str(form.get("locale", "")))
    return await _own_choice(request, form, "agent.language", "locale", wanted)


routes = [
    Route("/agent/availability", availability, methods=["POST"]),
    Route("/agent/language", language, methods=["POST"]),
    Route("/agent/search", search_page, methods=["GET"]),
    Route("/agent/orders/{order_id:int}", order_page, methods=["GET"]),
    Route("/agent/orders/{order_id:int}/{action:str}", order_action, methods=["POST"]),
]
