"""`/track`: order number plus email or postcode leads to the order page, or to one refusal
that reads the same whether the order exists or not. Guessing is rate-limited."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.models import Brand
from porchlight.orders.lookup import find_order, number_key
from portal.csrf import checked_form
from portal.ratelimit import Limit, Limiter
from portal.rendering import render
from portal.shopper.brand import brand_of_host, host_brand
from portal.shopper.flash import refused, taken
from portal.shopper.verified import remember
from portal.state import app_state

PER_ORDER = Limit("lookup-order", attempts=5, window_seconds=15 * 60)
PER_CLIENT = Limit("lookup-client", attempts=20, window_seconds=15 * 60)


def order_subject(brand: Brand, number: str) -> str:
    """What PER_ORDER counts: the page and the API (portal/api/track.py) share one budget, so
    neither channel adds guesses to the other's."""
    return f"{brand.id}:{number_key(number)}"


async def lookup(request: Request) -> Response:
    brand = await host_brand(request)
    if request.method == "GET":
        shown = taken(request)
        if shown is None:
            return render(request, brand, "track.html", {"form": {}})
        status, context = shown
        wait = context.get("retry_after")
        headers = {"Retry-After": str(wait)} if wait else None
        return render(request, brand, "track.html", context, status=status, headers=headers)
    form = await checked_form(request)
    number = str(form.get("order_number", "")).strip()[:64]
    email = str(form.get("email", "")).strip()[:254]
    postcode = str(form.get("postcode", "")).strip()[:16]
    values = {"order_number": number, "email": email, "postcode": postcode}
    if not number or not (email or postcode):
        return refused(request, "/track", 422, form=values, error="missing")

    redis = app_state(request).arq
    per_order, per_client = Limiter(redis, PER_ORDER), Limiter(redis, PER_CLIENT)
    order_key = order_subject(brand, number)
    client_key = request.client.host if request.client else "unknown"
    wait = max(await per_order.retry_after(order_key), await per_client.retry_after(client_key))
    if wait:
        return refused(request, "/track", 429, form=values, error="rate_limited", retry_after=wait)

    order = await find_order(brand, number, email=email, postcode=postcode)
    if order is None:
        await per_order.failed(order_key)
        await per_client.failed(client_key)
        return refused(request, "/track", 404, form=values, error="not_found")
    remember(request, order.id)
    return RedirectResponse(f"/o/{order.access_token}", status_code=303)


async def home(request: Request) -> Response:
    """The address a server prints first: on a brand's host its lookup form; on any other (an
    IP or a name no brand has yet) the agents' sign-in, which names no brand either."""
    brand = await brand_of_host(request)
    return RedirectResponse("/track" if brand else "/agent/login", status_code=303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/track", lookup, methods=["GET", "POST"], name="track"),
]
