"""Parcel cards, rendered once per change and kept per process.

A tracking page is mostly seen again, not new: shoppers reload it, and an open page polls each
card every two minutes. Between two scans nothing on a card changes, so the rendered cards are
kept under the order's content version (`timeline.version`: one cheap query) and everything else
they show (language, time zone, theme, delivery options). A new scan, item or delivery request
is a new version, so the next view renders afresh. Each visitor's own CSRF token goes in on the
way out.
"""

import secrets
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from async_lru import alru_cache
from markupsafe import Markup
from starlette.requests import Request

from porchlight import timeline
from porchlight.models import Brand, Order
from porchlight.status_text import HEADLINE
from porchlight.templating import environment
from portal.csrf import csrf_token
from portal.shopper.parcels import enabled_options, parcel_views

CSRF_SLOT = secrets.token_hex(16)  # unguessable, so no shopper's or carrier's text can hold it
KEPT_ORDERS = 2048  # per process; about 13 kB for an order of 3 parcels and 40 events


@dataclass(frozen=True)
class Card:
    id: int
    html: str


async def cards(
    request: Request, brand: Brand, order: Order, locale: str, tz: str, **extra: Any
) -> list[Card]:
    """The order's cards, in order. `extra` (a form error shown on its card) is never kept."""
    if extra:
        rendered = await _render(brand, order, locale, tz, **extra)
    else:
        key = (
            order.id,
            order.access_token,
            order.promised_delivery_date,
            brand.id,
            brand.theme,
            tuple(enabled_options(brand)),
            locale,
            tz,
            await timeline.version(order),
        )
        rendered = await _kept(key, brand, order, locale, tz)
    token = csrf_token(request)
    return [Card(card.id, Markup(card.html.replace(CSRF_SLOT, token))) for card in rendered]  # noqa: S704 - rendered with autoescape


async def _render(
    brand: Brand, order: Order, locale: str, tz: str, **extra: Any
) -> tuple[Card, ...]:
    template = environment(brand.theme, locale).get_template("_parcel.html")
    return tuple(
        Card(
            view.id,
            template.render(
                brand=brand,
                order=order,
                view=view,
                tz=tz,
                headlines=HEADLINE,
                csrf_token=CSRF_SLOT,
                **extra,
            ),
        )
        for view in await parcel_views(brand, order)
    )


def _by_key(key: Hashable, *_: Any) -> Hashable:
    return key


@alru_cache(maxsize=KEPT_ORDERS, key=_by_key)
async def _kept(
    key: Hashable, brand: Brand, order: Order, locale: str, tz: str
) -> tuple[Card, ...]:
    return await _render(brand, order, locale, tz)
