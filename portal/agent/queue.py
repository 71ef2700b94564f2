"""The queue: every open case of the agent's brands, overdue first, then by the weight of its
priority flags, then by deadline; filtered and paginated with bounded queries (one for the page,
one for the count)."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise import expressions as ex
from tortoise.queryset import QuerySet

from porchlight.cases import cases, triage
from porchlight.enums import CaseSource, CaseState, ExceptionType, PriorityFlag, Role
from porchlight.models import Agent, Case, Order, Shipment
from porchlight.platform.clock import utcnow
from porchlight.tracking.status_text import N_
from portal.agent.session import agent_of, brand_ids, requires_agent
from portal.csrf import checked_form
from portal.rendering import is_htmx, render, translator

PAGE_SIZE = 50
FILTERS = ("type", "brand", "owner", "overdue", "carrier", "node", "flag")


@dataclass(frozen=True)
class QueueFilters:
    type: str = ""
    brand: str = ""
    owner: str = ""  # "me", "none" or an agent id
    overdue: bool = False
    carrier: str = ""
    node: str = ""
    flag: str = ""

    @classmethod
    def of(cls, request: Request) -> "QueueFilters":
        q = request.query_params
        return cls(
            type=q.get("type", "") if q.get("type", "") in set(ExceptionType) else "",
            brand=q.get("brand", "")[:64],
            owner=q.get("owner", "")[:16],
            overdue=q.get("overdue") == "1",
            carrier=q.get("carrier", "")[:64],
            node=q.get("node", "")[:64],
            flag=q.get("flag", "") if q.get("flag", "") in set(PriorityFlag) else "",
        )

    def apply(self, query: QuerySet[Case], me: Agent, now: datetime) -> QuerySet[Case]:
        if self.type:
            query = query.filter(type=self.type)
        if self.brand:
            query = query.filter(brand__slug=self.brand)
        if self.owner == "me":
            query = query.filter(owner_id=me.id)
        elif self.owner == "none":
            query = query.filter(owner_id=None)
        elif self.owner.isdigit():
            query = query.filter(owner_id=int(self.owner))
        if self.overdue:
            query = query.filter(next_due_at__lt=now)
        if self.carrier:
            query = query.filter(shipment__carrier=self.carrier)
        if self.node:
            query = query.filter(shipment__fulfilment_node=self.node)
        if self.flag:
            bit = triage.BIT[PriorityFlag(self.flag)]
            query = query.annotate(flagged=ex.RawSQL(f'"case"."priority_rank" & {bit}')).filter(
                flagged__gt=0
            )
        return query


async def colleagues(request: Request) -> list[Agent]:
    """Agents who share a brand with the lead: the people a case can be given to."""
    return (
        await Agent.filter(active=True, brands__id__in=brand_ids(request))
        .distinct()
        .order_by("name", "email")
    )


@requires_agent()
async def queue(request: Request) -> Response:
    me, now = agent_of(request), utcnow()
    filters = QueueFilters.of(request)
    raw_page = request.query_params.get("page", "1")
    page = min(int(raw_page), 10_000) if raw_page.isdigit() and int(raw_page) > 0 else 1
    open_cases = filters.apply(
        Case.filter(brand_id__in=brand_ids(request), state=CaseState.OPEN), me, now
    )
    total = await open_cases.count()
    rows = (
        await open_cases.annotate(late=ex.Case(ex.When(next_due_at__lt=now, then="0"), default="1"))
        .order_by("late", "-priority_rank", "next_due_at", "id")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .select_related("shipment__order", "owner", "brand")
    )
    context = {
        "agent": me,
        "rows": rows,
        "filters": filters,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "overdue": {c.id for c in rows if cases.is_overdue(c, now)},
        "types": list(ExceptionType),
        "flags": list(PriorityFlag),
        "brands": sorted(me.brands, key=lambda b: b.name),  # loaded with the agent
        "colleagues": await colleagues(request) if me.role != Role.AGENT else [],
        "query": urlencode([(k, v) for k, v in request.query_params.items() if k in FILTERS]),
    }
    template = "agent/_queue_rows.html" if is_htmx(request) else "agent/queue.html"
    return render(request, None, template, context, headers={"Cache-Control": "no-store"})


async def case_for(request: Request) -> Case:
    """The case, only if it belongs to one of the agent's brands: anything else is a 404."""
    raw = request.path_params["case_id"]
    case = await Case.get_or_none(id=raw, brand_id__in=brand_ids(request)) if raw else None
    if case is None:
        raise HTTPException(404)
    return case


@requires_agent()
async def assign(request: Request) -> Response:
    me = agent_of(request)
    case = await case_for(request)
    form = await checked_form(request)
    target = str(form.get("agent_id", ""))
    owner: Agent | None = me
    someone_else = bool(target) and target != str(me.id)
    # Taking a colleague's case (a lead's "take over") is a lead's call, like giving one away.
    if me.role == Role.AGENT and (someone_else or case.owner_id not in (None, me.id)):  # type: ignore[attr-defined]
        raise HTTPException(403, N_("Only a lead can assign a case to someone else."))
    if someone_else:
        owner = await Agent.get_or_none(
            id=int(target) if target.isdigit() else 0,
            active=True,
            brands__id=case.brand_id,  # type: ignore[attr-defined]
        )
    if owner is None:
        raise HTTPException(400, N_("Choose an agent who works for this brand."))
    await cases.assign(case, owner, me)
    back = str(form.get("back", ""))
    return RedirectResponse(back if back.startswith("/agent/") else f"/agent/cases/{case.id}", 303)


@requires_agent()
async def open_case(request: Request) -> Response:
    """An agent opens a case by hand, from an order number (and tracking number if several)."""
    me = agent_of(request)
    form = await checked_form(request)
    _ = translator(request, None)
    number = str(form.get("order_number", "")).strip()[:64]
    tracking = str(form.get("tracking_number", "")).strip().upper().replace(" ", "")[:64]
    type_ = str(form.get("type", ""))
    order = await Order.filter(number=number, brand_id__in=brand_ids(request)).first()
    shipments = await Shipment.filter(order=order).order_by("id") if order else []
    if tracking:
        shipments = [s for s in shipments if s.tracking_number == tracking]
    if type_ not in set(ExceptionType) or not shipments:
        raise HTTPException(422, _("Enter an order number of your brands and an exception type."))
    case, _opened = await cases.open_or_join(
        shipments[0],
        ExceptionType(type_),
        CaseSource.AGENT,
        str(form.get("note", ""))[:2000],
        author=me,
    )
    return RedirectResponse(f"/agent/cases/{case.id}", 303)


routes = [
    Route("/agent/", queue, methods=["GET"]),
    Route("/agent/cases", open_case, methods=["POST"]),
    Route("/agent/cases/{case_id:int}/assign", assign, methods=["POST"]),
]
