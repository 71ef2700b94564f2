"""Parcel cards: each parcel of an order as the theme's `_parcel.html` shows it.

A card is rendered once per version of all it shows and kept (per process, the least recently
shown dropped first): a new scan on one parcel, a saved setting on the order or the brand, or a
form on the page re-renders the page, but the other parcels' cards come from here.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from porchlight.accounts.brand_settings import settings_of
from porchlight.accounts.brands import fingerprint
from porchlight.models import Brand, Order, TrackingEvent
from porchlight.platform import i18n
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


@dataclass(frozen=True)
class ScanLine:
    """One scan as a card lists it."""

    iso: str  # the carrier's time, for <time datetime>
    when: str  # the same in the reader's language and zone
    said: Markup  # the status in the reader's words
    place: str  # "Leipzig, DE", or ""
    words: str  # the carrier's own message when it says more than `said`, or ""


def scan_lines(locale: str, tone: i18n.Tone, tz: str) -> Callable[[TrackingEvent], ScanLine]:
    """What a card shows of each scan, worked out in Python: a page lists 40 scans, and the
    same done in the template, a filter and a call at a time, was most of a card's cost."""
    gettext = i18n.translations(locale, tone).gettext
    said: dict[tuple[str, str | None], Markup] = {}

    def line(event: TrackingEvent) -> ScanLine:
        key = (event.status, event.carrier_substatus)
        if key not in said:  # translations are the template's own (autoescape: markup)
            said[key] = Markup(gettext(scan_text(*key))) % {}  # noqa: S704
        words = said[key]
        where = event.location or {}
        message = event.message
        return ScanLine(
            iso=event.occurred_at.isoformat(),
            when=i18n.format_datetime(event.occurred_at, locale, tz),
            said=words,
            place=", ".join(str(p) for p in (where.get("city"), where.get("country")) if p),
            words=message if message and message.strip().lower() != words.lower() else "",
        )

    return line


def version(order: Order, view: ParcelView, split: bool) -> tuple[object, ...]:
    """Everything a card shows depends on. Scans, items and delivery requests are only ever
    added or replaced (new ids, never edited in what a card shows, but for a delivery scan's
    signer, filled in once when a later body names it); the shipment's row has its
    time of change; the rest (status, dates, steps, options) is derived from those, the order's
    row and the brand (`cards` adds the brand, the language and the zone)."""
    parcel, shipment = view.parcel, view.parcel.shipment
    return (
        shipment.id,
        shipment.updated_at,
        tuple((event.id, event.signed_by) for event in parcel.events),  # a signer comes later
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
    error shown on the card it belongs to (such a card is rendered for this answer only, never
    kept)."""
    tone = settings_of(brand).tone
    template = environment(brand.theme, locale, tone).get_template("_parcel.html")
    scan_line = scan_lines(locale, tone, tz)
    split = sum(not view.is_return for view in views) > 1

    def render(view: ParcelView) -> Markup:
        return Markup(  # noqa: S704 - rendered with autoescape
            template.render(
                brand=brand,
                order=order,
                view=view,
                tz=tz,
                scans=[scan_line(event) for event in reversed(view.parcel.events)],
                split=split,
                looked_up=looked_up,
                csrf_token=SLOT,
                **extra,
            )
        )

    if extra:
        return [Card(view.id, render(view)) for view in views]
    same = (fingerprint(brand), locale, tz, looked_up)
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
