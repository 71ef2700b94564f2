"""`/api/v1/track`: the chatbot's question "where is my order?", answered in one sentence."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Scope
from porchlight.models import Brand
from porchlight.orders.links import order_url
from porchlight.orders.lookup import find_order
from porchlight.platform import i18n
from porchlight.tracking import derive, timeline
from porchlight.tracking.status_text import headline
from porchlight.tracking.summary import summarize
from portal.api.auth import requires_api_key
from portal.api.payload import respond
from portal.api.schemas import EstimateOut, ParcelStatusOut, TrackOut
from portal.body import error
from portal.ratelimit import Limiter
from portal.rendering import request_locale
from portal.shopper.lookup import PER_ORDER, order_subject
from portal.state import app_state

NO_MATCH = "no order matches those details"


@requires_api_key(Scope.TRACK)
async def track(request: Request, brand: Brand) -> Response:
    """
    summary: Short status of an order for a chatbot or app
    description: >-
      The order number plus the customer's email or the destination postcode. A wrong email
      and an unknown order get the same 404. Failures count per order together with the
      shopper's `/track` (5 per 15 minutes), then 429 with Retry-After. Language from `lang`,
      else Accept-Language, else the customer's, else the brand's.
    parameters:
      - {name: order_number, in: query, required: true, schema: {type: string, maxLength: 64}}
      - {name: email, in: query, schema: {type: string, maxLength: 254}}
      - {name: postcode, in: query, schema: {type: string, maxLength: 16}}
      - {name: lang, in: query, schema: {type: string, enum: [en, de, fr, es, nl]}}
    responses:
      200: {$ref: '#/components/responses/Track'}
      401: {$ref: '#/components/responses/Unauthorized'}
      404: {$ref: '#/components/responses/NotFound'}
      422: {$ref: '#/components/responses/Invalid'}
      429: {$ref: '#/components/responses/RateLimited'}
    """
    query = request.query_params
    number = query.get("order_number", "").strip()[:64]
    email, postcode = query.get("email", "")[:254], query.get("postcode", "")[:16]
    if not number or not (email.strip() or postcode.strip()):
        return error(
            422,
            "validation failed",
            fields={
                "order_number": "order_number and either email or postcode are required",
            },
        )
    per_order, subject = Limiter(app_state(request).arq, PER_ORDER), order_subject(brand, number)
    wait = await per_order.retry_after(subject)
    if wait:
        refused = error(429, "too many failed lookups of this order; try again later")
        refused.headers["Retry-After"] = str(wait)
        return refused
    order = await find_order(brand, number, email=email, postcode=postcode)
    if order is None:
        await per_order.failed(subject)
        return error(404, NO_MATCH)
    locale = request_locale(request, brand, order.customer.locale)
    tone = settings_of(brand).tone
    gettext = i18n.translations(locale, tone).gettext
    parcels = await timeline.parcels(order)
    return respond(
        TrackOut(
            order_number=order.number,
            language=locale,
            summary=summarize(parcels, locale, tone),
            tracking_url=await order_url(app_state(request).settings.public_base_url, brand, order),
            parcels=[
                ParcelStatusOut(
                    tracking_number=p.shipment.tracking_number,
                    carrier=p.shipment.carrier,
                    direction=p.shipment.direction,
                    status=p.derived.status,
                    status_text=gettext(headline(p.shipment.direction, p.derived.status)),
                    estimated_delivery=derive.date_ahead(p.derived),
                    delivery_estimates=EstimateOut.all_of(p),
                    delivered_at=p.derived.delivered_at,
                )
                for p in parcels
            ],
        )
    )


routes = [Route("/track", track, methods=["GET"])]
