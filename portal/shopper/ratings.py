"""Rating a delivery from the delivered email's links. The signed link names the order, the
parcel and the score; following it only shows the form with that score chosen. Recording
takes the form's POST with the session's CSRF token, so a mail scanner or a link preview
that fetches every link rates nothing (README, "Feedback after delivery")."""

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.feedback.ratings import MAX_COMMENT, record_rating
from porchlight.models import Brand, Order, Rating, Shipment
from porchlight.notifications.rating_links import SCORES, RatingLink, rating_link_from
from portal.csrf import checked_form
from portal.rendering import render, request_locale, translator
from portal.shopper.brand import host_brand
from portal.shopper.flash import refused, taken
from portal.state import app_state

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Rated:
    """What a rating link points at, on its own brand's host."""

    brand: Brand
    order: Order
    shipment: Shipment
    link: RatingLink


async def _rated(request: Request) -> Rated:
    brand = await host_brand(request)
    secret = app_state(request).settings.secret_key.get_secret_value()
    link = rating_link_from(secret, request.path_params["token"])
    order = shipment = None
    if link is not None:
        order = await Order.get_or_none(id=link.order_id, brand=brand).select_related("customer")
    if order is not None and link is not None:
        shipment = await Shipment.get_or_none(id=link.shipment_id, order=order)
    if link is None or order is None or shipment is None:
        raise HTTPException(404)
    return Rated(brand, order, shipment, link)


def _page(
    request: Request, rated: Rated, template: str, status: int = 200, **more: object
) -> Response:
    context = {"order": rated.order, "scores": SCORES, "max_comment": MAX_COMMENT, **more}
    locale = request_locale(request, rated.brand, rated.order.customer.locale)
    return render(request, rated.brand, template, context, status=status, locale=locale,
                  headers=NO_STORE)  # fmt: skip


async def rating_form(request: Request) -> Response:
    rated = await _rated(request)
    before = await Rating.get_or_none(order_id=rated.order.id)
    status, shown = taken(request) or (200, {})
    return _page(
        request,
        rated,
        "rate.html",
        status,
        chosen=shown.get("score", rated.link.score),
        comment=shown.get("comment", before.comment if before else ""),
        error=shown.get("error", ""),
    )


async def rate(request: Request) -> Response:
    rated = await _rated(request)
    form = await checked_form(request)
    _ = translator(request, rated.brand, rated.order.customer.locale)
    raw_score, comment = str(form.get("score", "")), str(form.get("comment", "")).strip()
    score = next((s for s in SCORES if str(s) == raw_score), None)
    path = request.url.path
    # Only a hand-made request gets here (the radios always hold a score, the text area stops
    # at the limit): the error is shown, the text is not kept (it would overflow the cookie).
    if score is None:
        return refused(request, path, 422, "rating", error=_("Choose a score from 1 to 5."))
    if len(comment) > MAX_COMMENT:
        error = _("Keep your comment to %(n)s characters.") % {"n": MAX_COMMENT}
        return refused(request, path, 422, "rating", error=error, score=score)
    await record_rating(rated.brand, rated.order, rated.shipment, score, comment)
    return RedirectResponse(f"{path}/thanks", 303)


async def thanks(request: Request) -> Response:
    rated = await _rated(request)
    rating = await Rating.get_or_none(order_id=rated.order.id)
    if rating is None:  # nothing recorded yet: the form, not a thank-you for nothing
        return RedirectResponse(f"/rate/{request.path_params['token']}", 303)
    back = f"/rate/{request.path_params['token']}"
    return _page(request, rated, "rated.html", rating=rating, change_url=back)


routes = [
    Route("/rate/{token:str}", rating_form, methods=["GET"]),
    Route("/rate/{token:str}", rate, methods=["POST"]),
    Route("/rate/{token:str}/thanks", thanks, methods=["GET"]),
]
