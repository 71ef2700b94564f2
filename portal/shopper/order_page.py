"""`/o/<token>`: every parcel of the order with its own timeline, and what the shopper can do."""

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight import i18n
from porchlight.models import Brand, Order
from portal.rendering import is_htmx, render, request_locale
from portal.shopper.brand import order_for_token
from portal.shopper.parcel_cards import cards
from portal.state import app_state

PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


def page_locale(request: Request, brand: Brand, order: Order) -> str:
    return request_locale(request, brand, order.customer.locale)


def time_zone(brand: Brand, order: Order) -> str:
    return order.customer.time_zone or brand.time_zone or "UTC"


async def page_context(
    request: Request, brand: Brand, order: Order, **card_extra: Any
) -> dict[str, Any]:
    """`card_extra`: a form error to show on the card it belongs to."""
    customer = order.customer
    return {
        "order": order,
        "customer": customer,
        "cards": await cards(
            request,
            brand,
            order,
            page_locale(request, brand, order),
            time_zone(brand, order),
            **card_extra,
        ),
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
        locale=page_locale(request, brand, context["order"]),
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
    matching = [card for card in context["cards"] if card.id == wanted]
    if not matching:
        raise HTTPException(404)
    if not is_htmx(request):
        return render_order(request, brand, context)
    return render(
        request,
        brand,
        "_cards.html",
        {"cards": matching},
        locale=page_locale(request, brand, order),
        headers=PRIVATE,
    )


routes = [
    Route("/o/{token:str}", order_page, methods=["GET"], name="order"),
    Route("/o/{token:str}/parcels/{shipment_id:int}", parcel_partial, methods=["GET"]),
]
