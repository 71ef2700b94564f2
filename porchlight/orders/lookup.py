"""Finding an order for a shopper who knows its number and its email or postcode."""

import hmac

from porchlight.models import Brand, Order
from porchlight.orders.payload import normalize_postcode


def normalize_email(value: str) -> str:
    return "".join(value.split()).lower()


async def find_order(
    brand: Brand, number: str, *, email: str = "", postcode: str = ""
) -> Order | None:
    """The order only when the second factor matches. A miss and a wrong email cost the same
    work (one query, one constant-time comparison), so timing does not tell them apart."""
    order = await Order.get_or_none(brand=brand, number=number.strip()).select_related("customer")
    if email:
        expected, given = (order.customer.email if order else ""), normalize_email(email)
    else:
        expected, given = (order.postcode if order else ""), normalize_postcode(postcode)
    matches = hmac.compare_digest(expected.encode(), given.encode())
    return order if order is not None and given and matches else None
