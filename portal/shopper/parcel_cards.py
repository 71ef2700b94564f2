"""Parcel cards: each parcel of an order as the theme's `_parcel.html` shows it.

A card is rendered once per version of all it shows and kept (per process, the least recently
shown dropped first): a new scan on one parcel, a saved setting on the order or the brand, or a
form on the page re-renders the page, but the other parcels' cards come from here.
"""

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from porchlight.accounts.brand_settings import settings_of
from porchlight.accounts.brands import fingerprint
from porchlight.models import Brand, Order
from porchlight.tracking.status_text import scan_text
from porchlight.tracking.templating import environment
from portal.csrf import SLOT
from portal.shopper.parcels import ParcelView

# Cards per process, about 5 kB each: a page's worth for the most recently shown orders.
CARDS_KEPT = 4096
_kept: OrderedDict[tuple[object, ...], Markup] = OrderedDict()


@dataclass(frozen=True)
class Card:
    id: int
    html: Markup


def version(order: Order, view: ParcelView, split: bool) -> tuple[object, ...]:
    """Everything a card shows depends on. Scans, items and delivery requests are only ever
    added or replaced (new ids, never edited in what a card shows); the shipment's row has its
    time of change; the rest (status, dates, steps, options) is derived from those, the order's
    row and the brand (`cards` adds the brand, the language and the zone)."""
    parcel, shipment = view.parcel, view.parcel.shipment
    return (
        shipment.id,
        shipment.updated_at,
        tuple(event.id for event in parcel.events),
        tuple(item.id for item in shipment.items),
        tuple(request.id for request in view.requests),
        parcel.derived,
        parcel.position,
        parcel.of,
        view.headline,
        view.next_step,
        view.estimate,
        view.refunded,
        tuple(view.options),
        tuple(view.problems),
        split,
        order.access_token,
        order.promised_delivery_date,
    )


def cards(
    brand: Brand, order: Order, views: list[ParcelView], locale: str, tz: str, **extra: Any
) -> list[Card]:
    """The order's cards, in order; `extra`: a form error shown on the card it belongs to
    (such a card is rendered for this answer only, never kept)."""
    template = environment(brand.theme, locale, settings_of(brand).tone).get_template(
        "_parcel.html"
    )
    split = sum(not view.is_return for view in views) > 1

    def render(view: ParcelView) -> Markup:
        return Markup(  # noqa: S704 - rendered with autoescape
            template.render(
                brand=brand,
                order=order,
                view=view,
                tz=tz,
                scan_text=scan_text,
                split=split,
                csrf_token=SLOT,
                **extra,
            )
        )

    if extra:
        return [Card(view.id, render(view)) for view in views]
    same = (fingerprint(brand), locale, tz)
    result = []
    for view in views:
        key = (*same, *version(order, view, split))
        html = _kept.get(key)
        if html is None:
            html = _kept[key] = render(view)
            if len(_kept) > CARDS_KEPT:
                _kept.popitem(last=False)
        else:
            _kept.move_to_end(key)
        result.append(Card(view.id, html))
    return result
