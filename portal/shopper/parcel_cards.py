"""Parcel cards: each parcel of an order as the theme's `_parcel.html` shows it."""

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand, Order
from porchlight.tracking.status_text import scan_text
from porchlight.tracking.templating import environment
from portal.csrf import SLOT
from portal.shopper.parcels import ParcelView


@dataclass(frozen=True)
class Card:
    id: int
    html: Markup


def cards(
    brand: Brand,
    order: Order,
    views: list[ParcelView],
    locale: str,
    tz: str,
    *,
    looked_up: bool,
    **extra: Any,
) -> list[Card]:
    """The order's cards, in order; `looked_up`: this browser passed the lookup with the
    shopper's details (portal.shopper.verified), so personal details show; `extra`: a form
    error shown on the card it belongs to."""
    template = environment(brand.theme, locale, settings_of(brand).tone).get_template(
        "_parcel.html"
    )
    split = sum(not view.is_return for view in views) > 1
    return [
        Card(
            view.id,
            Markup(  # noqa: S704 - rendered with autoescape
                template.render(
                    brand=brand,
                    order=order,
                    view=view,
                    tz=tz,
                    scan_text=scan_text,
                    split=split,
                    looked_up=looked_up,
                    csrf_token=SLOT,
                    **extra,
                )
            ),
        )
        for view in views
    ]
