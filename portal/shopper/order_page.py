"""`/o/<token>`: every parcel of the order with its own timeline, and what the shopper can do."""

from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight import i18n, timeline
from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand, DeliveryRequest, Order
from porchlight.status_text import HEADLINE, NEXT_STEP, RETURN_HEADLINE
from portal.rendering import is_htmx, render, request_locale
from portal.shopper.brand import order_for_token
from portal.state import app_state

PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}

# Once a parcel is on the van (or further), the carrier can no longer change its delivery.
CHANGEABLE = {S.UNKNOWN, S.LABEL_CREATED, S.IN_TRANSIT, S.FAILED_ATTEMPT}
DELIVERY_OPTIONS = ("choose_date", "pickup_point", "reroute")
STEPS = {
    S.LABEL_CREATED: 1,
    S.IN_TRANSIT: 2,
    S.OUT_FOR_DELIVERY: 3,
    S.AVAILABLE_FOR_PICKUP: 3,
    S.FAILED_ATTEMPT: 3,
    S.EXCEPTION: 2,
    S.RETURNING_TO_SENDER: 2,
    S.DELIVERED: 4,
}
TROUBLE = {S.FAILED_ATTEMPT, S.EXCEPTION, S.RETURNING_TO_SENDER}


@dataclass(frozen=True)
class ParcelView:
    parcel: timeline.Parcel
    headline: str
    next_step: str
    is_return: bool
    requests: list[DeliveryRequest]
    options: list[str]
    problems: list[str]

    @property
    def id(self) -> int:
        return self.parcel.shipment.id

    @property
    def step(self) -> int:
        """How far along the four-step progress bar the parcel is."""
        return STEPS.get(self.parcel.derived.status, 0)

    @property
    def trouble(self) -> bool:
        return self.parcel.derived.status in TROUBLE


def enabled_options(brand: Brand) -> list[str]:
    chosen = brand.settings.get("delivery_options", {})
    return [kind for kind in DELIVERY_OPTIONS if chosen.get(kind)]


def problem_kinds(status: S) -> list[str]:
    if status == S.DELIVERED:
        return ["damaged", "missing_items", "not_received"]
    return ["late", "damaged"]


async def parcel_views(brand: Brand, order: Order) -> list[ParcelView]:
    parcels = await timeline.parcels(order)
    requests = await DeliveryRequest.filter(
        shipment_id__in=[p.shipment.id for p in parcels]
    ).order_by("id")
    options = enabled_options(brand)
    views = []
    for p in parcels:
        status = p.derived.status
        is_return = p.shipment.direction == Direction.RETURN
        views.append(
            ParcelView(
                parcel=p,
                headline=(RETURN_HEADLINE if is_return else HEADLINE)[status],
                next_step=NEXT_STEP[status],
                is_return=is_return,
                requests=[r for r in requests if r.shipment_id == p.shipment.id],  # type: ignore[attr-defined]
                options=options if status in CHANGEABLE and not is_return else [],
                problems=problem_kinds(status) if not is_return else [],
            )
        )
    return views


def time_zone(brand: Brand, order: Order) -> str:
    return order.customer.time_zone or brand.time_zone or "UTC"


async def page_context(request: Request, brand: Brand, order: Order) -> dict[str, Any]:
    customer = order.customer
    return {
        "order": order,
        "customer": customer,
        "parcels": await parcel_views(brand, order),
        "tz": time_zone(brand, order),
        "headlines": HEADLINE,
        "done": request.query_params.get("done", ""),
        "prefs": {
            "email": order.notify_email
            if order.notify_email is not None
            else customer.email_opt_in,
            "sms": (order.notify_sms if order.notify_sms is not None else customer.sms_opt_in)
            and customer.sms_opted_out_at is None,
            "scope": "order" if order.notify_email is not None else "all",
            "phone": customer.phone or "",
            "locale": i18n.supported(customer.locale) or request_locale(request, brand),
        },
    }


def render_order(
    request: Request, brand: Brand, context: dict[str, Any], *, status: int = 200
) -> Response:
    return render(
        request,
        brand,
        "order.html",
        context,
        status=status,
        locale=request_locale(request, brand, context["customer"].locale),
        headers=PRIVATE,
    )


async def order_page(request: Request) -> Response:
    brand, order = await order_for_token(request)
    app_state(request).views.count(brand.id)
    return render_order(request, brand, await page_context(request, brand, order))


async def parcel_partial(request: Request) -> Response:
    """One parcel's card, for htmx to swap in place (refresh without reloading the page)."""
    brand, order = await order_for_token(request)
    context = await page_context(request, brand, order)
    wanted = request.path_params["shipment_id"]
    matching = [view for view in context["parcels"] if view.id == wanted]
    if not matching:
        raise HTTPException(404)
    template = "_parcel.html" if is_htmx(request) else "order.html"
    return render(
        request,
        brand,
        template,
        {**context, "view": matching[0]},
        locale=request_locale(request, brand, order.customer.locale),
        headers=PRIVATE,
    )


routes = [
    Route("/o/{token:str}", order_page, methods=["GET"], name="order"),
    Route("/o/{token:str}/parcels/{shipment_id:int}", parcel_partial, methods=["GET"]),
]
