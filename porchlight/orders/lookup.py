"""Finding an order for a shopper who knows its number and its email or postcode."""

import hmac

from porchlight.models import Brand, Order
from porchlight.orders.payload import normalize_postcode


def normalize_email(value: str) -> str:
    return "".join(value.split()).lower()


def number_key(number: str) -> str:
    """An order number as typed, reduced to what tells numbers apart for a shopper: case and
    spaces do not (" no-2000 ", "NO 2000" and "NO2000" are one key)."""
    return "".join(number.split()).upper()


def number_spellings(number: str) -> list[str]:
    """The ways a retailer may have stored the number a shopper typed: as typed, in capitals, in
    lower case, with and without its spaces. Matched with the index on (brand, number) in one
    query, rather than a scan comparing every order's number folded."""
    spaced, compact = " ".join(number.split()), "".join(number.split())
    forms = [f(v) for v in (spaced, compact) for f in (str, str.upper, str.lower)]
    return list(dict.fromkeys(form for form in forms if form))


async def find_order(
    brand: Brand, number: str, *, email: str = "", postcode: str = ""
) -> Order | None:
    """The order only when the second factor matches. A miss and a wrong email cost the same
    work (one query, one constant-time comparison), so timing does not tell them apart."""
    spellings = number_spellings(number)
    found = await Order.filter(brand=brand, number__in=spellings).select_related("customer")
    # Two orders told apart only by case: the one spelled as typed wins, then capitals.
    found.sort(key=lambda o: spellings.index(o.number))
    order = found[0] if found else None
    if email:
        expected, given = (order.customer.email if order else ""), normalize_email(email)
    else:
        expected, given = (order.postcode if order else ""), normalize_postcode(postcode)
    matches = hmac.compare_digest(expected.encode(), given.encode())
    return order if order is not None and given and matches else None
