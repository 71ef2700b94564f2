"""One sentence about an order's parcels, in the reader's language (chatbots, SMS)."""

from collections.abc import Sequence

from babel.support import NullTranslations

from porchlight.enums import ShipmentStatus as S
from porchlight.platform import i18n
from porchlight.tracking.derive import date_ahead
from porchlight.tracking.status_text import HEADLINE
from porchlight.tracking.timeline import Parcel

DONE = {S.DELIVERED, S.RETURNED, S.CANCELLED}


def summarize(parcels: Sequence[Parcel], locale: str) -> str:
    t: NullTranslations = i18n.translations(locale)
    _, ngettext = t.gettext, t.ngettext
    outbound = [p for p in parcels if p.shipment.direction == "outbound"] or list(parcels)
    if not outbound:
        return _("No parcels have shipped yet.")
    delivered = sum(p.derived.status == S.DELIVERED for p in outbound)
    open_parcels = [p for p in outbound if p.derived.status not in DONE]
    if not open_parcels:
        return ngettext(
            "Your parcel has been delivered.",
            "All %(num)s parcels have been delivered.",
            len(outbound),
        ) % {"num": len(outbound)}
    nxt = open_parcels[0]
    sentence = _(HEADLINE[nxt.derived.status]) + "."
    ahead = date_ahead(nxt.derived)
    if ahead:
        day = i18n.format_date(ahead, locale)
        sentence = _("%(status)s, expected %(date)s.") % {
            "status": _(HEADLINE[nxt.derived.status]),
            "date": day,
        }
    if len(outbound) > 1:
        progress = _("%(delivered)s of %(total)s parcels delivered.") % {
            "delivered": delivered,
            "total": len(outbound),
        }
        sentence = f"{progress} {sentence}"
    return sentence
