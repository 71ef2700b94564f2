"""One-click email unsubscribe from a message's link: the signed token is the proof, so no
login and no CSRF token (mail clients POST here themselves, RFC 8058)."""

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.models import Brand, Customer
from porchlight.notifications.unsubscribe import customer_id_from, set_email_opt_in
from portal.body import BodyTooLarge, read_limited
from portal.rendering import render, request_locale
from portal.shopper.brand import host_brand
from portal.state import app_state

FORM_LIMIT = 1024


async def token_customer(request: Request) -> tuple[Brand, Customer]:
    brand = await host_brand(request)
    secret = app_state(request).settings.secret_key.get_secret_value()
    customer_id = customer_id_from(secret, request.path_params["token"])
    customer = None
    if customer_id is not None:
        customer = await Customer.get_or_none(id=customer_id, brand=brand)
    if customer is None:
        raise HTTPException(404)
    return brand, customer


async def unsubscribe(request: Request) -> Response:
    brand, customer = await token_customer(request)
    if request.method == "POST":
        try:
            raw = await read_limited(request, FORM_LIMIT)
        except BodyTooLarge:
            raise HTTPException(413) from None
        form = dict(parse_qsl(raw.decode(errors="replace")))
        await set_email_opt_in(customer, form.get("resubscribe") == "1")
    return render(
        request,
        brand,
        "unsubscribe.html",
        {"subscribed": customer.email_opt_in, "posted": request.method == "POST"},
        locale=request_locale(request, brand, customer.locale),
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/unsubscribe/{token:str}", unsubscribe, methods=["GET", "POST"])]
