"""Which orders this browser looked up with the shopper's own details (order number plus email
or postcode, at `/track`). A link is enough to follow a parcel, but personal details of the
delivery, such as who signed for it, show only to a browser that passed that lookup."""

from starlette.requests import Request

KEY = "looked_up"
KEPT = 20  # orders remembered per browser, the newest kept


def remember(request: Request, order_id: int) -> None:
    """Kept in the signed session cookie, so a forged cookie cannot claim an order."""
    earlier = [i for i in request.session.get(KEY, []) if isinstance(i, int) and i != order_id]
    request.session[KEY] = [*earlier, order_id][-KEPT:]


def looked_up(request: Request, order_id: int) -> bool:
    return order_id in request.session.get(KEY, [])
