"""`/o/<token>`: every parcel of the order with its own timeline, and what the shopper can do."""

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand, Order, Shipment
from porchlight.notifications import phones
from porchlight.notifications.policy import quiet_hours
from porchlight.orders.split import still_to_come
from porchlight.platform import i18n
from porchlight.tracking.summary import order_progress
from porchlight.tracking.timeline import Viewed
from portal.csrf import SLOT, link_token
from portal.rendering import is_htmx, keep_language, render, render_html, request_locale
from portal.shopper.brand import viewed_order
from portal.shopper.etags import etag, not_modified, unchanged
from portal.shopper.flash import taken
from portal.shopper.kept import kept
from portal.shopper.parcel_cards import cards
from portal.shopper.parcels import parcel_views
from portal.shopper.verified import looked_up
from portal.state import app_state

# Kept by the browser for itself alone, and asked about again on every view (`etags`).
PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "private, no-cache"}
# What the page confirms after a form.
DONE = ("preferences", "code_sent", "phone_confirmed", "reported", "report_joined", "requested")


def page_locale(request: Request, brand: Brand, order: Order) -> str:
    return request_locale(request, brand, order.customer.locale)


def time_zone(brand: Brand, order: Order) -> str:
    return i18n.time_zone(order.customer.time_zone, brand.time_zone)


async def page_context(
    request: Request, brand: Brand, order: Order, **card_extra: Any
) -> dict[str, Any]:
    """`card_extra`: a form error to show on the card it belongs to."""
    customer = order.customer
    done = request.query_params.get("done", "")
    locale = page_locale(request, brand, order)
    views = await parcel_views(brand, order)
    return {
        "order": order,
        "customer": customer,
        "progress": order_progress([view.parcel for view in views], locale),
        "cards": cards(
            brand,
            order,
            views,
            locale,
            time_zone(brand, order),
            looked_up=looked_up(request, order.id),
            **card_extra,
        ),
        "done": done if done in DONE else "",
        "still_to_come": still_to_come(order, [view.parcel.shipment for view in views]),
        "prefs": {
            "email": order.notify_email
            if order.notify_email is not None
            else customer.email_opt_in,
            "sms": (order.notify_sms if order.notify_sms is not None else customer.sms_opt_in)
            and customer.sms_opted_out_at is None,
            "scope": "order" if order.notify_email is not None else "all",
            # Whoever holds the link sees no more of a number than its last digits.
            "phone": phones.masked(customer.phone) if customer.phone else "",
            "example": phones.example(phones.region(brand, order.destination)),
            "pending": phones.masked(customer.pending_phone) if customer.pending_phone else "",
            "stopped": customer.sms_opted_out_at is not None,
            "whatsapp_offered": settings_of(brand).whatsapp.enabled,
            "whatsapp": customer.whatsapp_opt_in,  # a STOP is said apart, as for texts
            "whatsapp_stopped": customer.whatsapp_opted_out_at is not None,
            "locale": i18n.supported(customer.locale) or request_locale(request, brand),
            "quiet": quiet_hours(customer, brand),
            "zone": time_zone(brand, order),
        },
    }


def render_order(
    request: Request,
    brand: Brand,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    order = context["order"]
    return render(
        request,
        brand,
        "order.html",
        context,
        status=status,
        locale=page_locale(request, brand, order),
        headers={**PRIVATE, **(headers or {})},
        csrf=link_token(request, order.access_token),
    )


def _key(request: Request, brand: Brand, viewed: Viewed, *rest: object) -> tuple[object, ...]:
    """All a page or card shows depends on: the order's version (raised on any write to the
    order's or its customer's row or to what its page shows), the brand's row, the language,
    whether this browser looked the order up (personal details) and the page's own parameters
    (a form error is never kept)."""
    done = request.query_params.get("done", "")
    order_id = viewed.fingerprint[0]
    return (
        viewed.fingerprint,
        viewed.brand_mark,
        request_locale(request, brand, viewed.customer_locale),
        looked_up(request, order_id),
        done if done in DONE else "",
        *rest,
    )


def _served(request: Request, key: tuple[object, ...]) -> tuple[str, Response | None]:
    """The page's ETag, and the 304 when the browser already holds it."""
    tag = etag(key)
    if unchanged(request, tag):
        return tag, not_modified(request, tag, PRIVATE)
    return tag, None


def _finished(request: Request, viewed: Viewed, html: str) -> bytes:
    """The page as sent, the same for every visitor: its forms carry the link's token, no
    session's, so it is put in once, before the page is kept."""
    return html.replace(SLOT, link_token(request, viewed.access_token)).encode()


def _respond(request: Request, body: bytes, tag: str) -> Response:
    response = HTMLResponse(body, headers={**PRIVATE, "ETag": tag})
    keep_language(request, response)
    return response


async def _page(request: Request, brand: Brand, viewed: Viewed) -> Response:
    key = _key(request, brand, viewed, "page")
    tag, held = _served(request, key)
    if held is not None:
        return held

    async def rendered() -> bytes:
        context = await page_context(request, brand, viewed.order)
        locale = page_locale(request, brand, viewed.order)
        return _finished(
            request, viewed, render_html(request, brand, "order.html", context, locale=locale)
        )

    return _respond(request, await kept(key, rendered), tag)


async def order_page(request: Request) -> Response:
    brand, viewed = await viewed_order(request)
    app_state(request).views.count(brand.id)
    refusal = taken(request)
    if refusal is not None:  # a form sent back here: its error shows once, on a fresh page
        status, shown = refusal
        context = await page_context(request, brand, viewed.order, **shown)
        wait = shown.get("retry_after")
        headers = {"Retry-After": str(wait)} if wait else None
        return render_order(request, brand, {**context, **shown}, status=status, headers=headers)
    return await _page(request, brand, viewed)


async def parcel_partial(request: Request) -> Response:
    """One parcel's card, for htmx to swap in place (refresh without reloading the page)."""
    brand, viewed = await viewed_order(request)
    wanted = request.path_params["shipment_id"]
    if not is_htmx(request):
        # Compared here, not in SQL: an id past any column's range is a 404 like any other.
        if wanted not in await Shipment.filter(order_id=viewed.order.id).values_list(
            "id", flat=True
        ):
            raise HTTPException(404)
        return await _page(request, brand, viewed)
    key = _key(request, brand, viewed, "card", wanted)
    # Only a card this order showed had this tag: a 304 never stands for another order's.
    tag, held = _served(request, key)
    if held is not None:
        return held

    async def rendered() -> bytes:
        context = await page_context(request, brand, viewed.order)
        matching = [card for card in context["cards"] if card.id == wanted]
        if not matching:  # removed since the order was read; nothing is kept
            raise HTTPException(404)
        locale = page_locale(request, brand, viewed.order)
        html = render_html(request, brand, "_cards.html", {"cards": matching}, locale=locale)
        return _finished(request, viewed, html)

    return _respond(request, await kept(key, rendered), tag)


routes = [
    Route("/o/{token:str}", order_page, methods=["GET"], name="order"),
    Route("/o/{token:str}/parcels/{shipment_id:int}", parcel_partial, methods=["GET"]),
]
