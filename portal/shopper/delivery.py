"""Delivery options (brand policy switches each on): stored, shown, and forwarded to the
retailer, whose carrier account makes the actual change."""

from collections.abc import Callable
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.models import DeliveryRequest
from porchlight.orders.payload import normalize_postcode
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import FORWARD_DELIVERY_REQUEST
from portal.csrf import checked_form
from portal.rendering import translator
from portal.shopper.brand import shipment_for_token
from portal.shopper.flash import refused
from portal.shopper.parcels import delivery_options
from portal.state import app_state

LATEST_DAYS = 14
Details = tuple[dict[str, str], str]


def _details(kind: str, form: dict[str, str], _: Callable[[str], str]) -> Details:
    """(what the retailer needs to act, error message for the shopper)."""
    if kind == "choose_date":
        try:
            chosen = date.fromisoformat(form.get("date", ""))
        except ValueError:
            return {}, _("Choose a date.")
        today = utcnow().date()
        if not today < chosen <= today + timedelta(days=LATEST_DAYS):
            return {}, _("Choose a date within the next two weeks.")
        return {"date": chosen.isoformat()}, ""
    if kind == "pickup_point":
        point = form.get("pickup_point", "").strip()[:120]
        return ({"pickup_point": point}, "") if point else ({}, _("Name the pickup point."))
    line1 = form.get("line1", "").strip()[:200]
    postcode = normalize_postcode(form.get("address_postcode", ""))[:16]
    city = form.get("city", "").strip()[:100]
    if not (line1 and postcode and city):
        return {}, _("Enter street, postcode and city.")
    return {"line1": line1, "postcode": postcode, "city": city}, ""


async def request_delivery_change(request: Request) -> Response:
    brand, order, shipment = await shipment_for_token(request)
    form = await checked_form(request)
    _ = translator(request, brand, order.customer.locale)
    kind = str(form.get("kind", ""))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    offered = delivery_options(
        brand, shipment.status, shipment.direction, shipment.estimated_delivery
    )
    if kind not in offered:
        details: dict[str, str] = {}
        error = _("This parcel can no longer be changed.")
    else:
        details, error = _details(kind, fields, _)
    if error:
        path, anchor = f"/o/{order.access_token}", f"parcel-{shipment.id}"
        return refused(request, path, 422, anchor, delivery_error=error, delivery_for=shipment.id)
    change = await DeliveryRequest.create(shipment=shipment, kind=kind, details=details)
    # The request is stored: if Redis is away, the retailer webhook sweep sends it later.
    await app_state(request).arq.enqueue_job(
        FORWARD_DELIVERY_REQUEST, change.id, _job_id=f"delivery-request:{change.id}"
    )
    return RedirectResponse(f"/o/{order.access_token}?done=requested", 303)


routes = [
    Route(
        "/o/{token:str}/parcels/{shipment_id:int}/delivery",
        request_delivery_change,
        methods=["POST"],
    )
]
