"""One sentence about an order's parcels, in the reader's language (chatbots, SMS)."""

from collections.abc import Sequence

from babel.support import NullTranslations

from porchlight.enums import ShipmentStatus as S
from porchlight.platform import i18n
from porchlight.tracking.derive import STILL_COMING, date_ahead
from porchlight.tracking.status_text import HEADLINE
from porchlight.tracking.timeline import Parcel

DONE = {S.DELIVERED, S.RETURNED, S.CANCELLED}


def summarize(parcels: Sequence[Parcel], locale: str, tone: i18n.Tone = i18n.Tone.INFORMAL) -> str:
    t: NullTranslations = i18n.translations(locale, tone)
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
    elif nxt.shipment.predicted_delivery:  # ours (porchlight.edd), worded as a prediction
        day = i18n.format_date(nxt.shipment.predicted_delivery, locale)
        sentence = _("%(status)s, likely by %(date)s.") % {
            "status": _(HEADLINE[nxt.derived.status]),
            "date": day,
        }
    total = _announced(outbound)
    if total > 1:
        progress = _("%(delivered)s of %(total)s parcels delivered.") % {
            "delivered": delivered,
            "total": total,
        }
        sentence = f"{progress} {sentence}"
    return sentence


def _announced(outbound: Sequence[Parcel]) -> int:
    """The M of "N of M": the parcels registered, or the retailer's announced count if higher
    (each card's `of` already holds it)."""
    return max([len(outbound), *(p.of for p in outbound)])


def order_progress(parcels: Sequence[Parcel], locale: str) -> str:
    """What a split order as a whole is doing, for the top of its page: "1 of 4 delivered,
    2 on the way, 1 to follow, next expected Thursday, December 3, 2026". Counts the parcels
    the retailer announced, like each card's "Parcel 1 of 4"; empty for an order of one parcel,
    whose card says it all."""
    t: NullTranslations = i18n.translations(locale)
    ngettext = t.ngettext
    outbound = [p for p in parcels if p.shipment.direction == "outbound"]
    total = _announced(outbound)
    if total < 2 or not outbound:
        return ""
    statuses = [p.derived.status for p in outbound]
    delivered = statuses.count(S.DELIVERED)
    coming = sum(s in STILL_COMING for s in statuses)
    stuck = len(outbound) - delivered - coming
    unshipped = total - len(outbound)
    parts = [
        ngettext("%(num)s of %(total)s delivered", "%(num)s of %(total)s delivered", total)
        % {"num": delivered, "total": total}
    ]
    if coming:
        parts.append(ngettext("%(num)s on the way", "%(num)s on the way", coming) % {"num": coming})
    if stuck:
        parts.append(
            ngettext("%(num)s needs attention", "%(num)s need attention", stuck) % {"num": stuck}
        )
    if unshipped:
        parts.append(
            ngettext("%(num)s to follow", "%(num)s to follow", unshipped) % {"num": unshipped}
        )
    dates = [d for d in (date_ahead(p.derived) for p in outbound) if d]
    if dates:
        day = i18n.format_date(min(dates), locale)
        parts.append(t.gettext("next expected %(date)s") % {"date": day})
    return ", ".join(parts)
