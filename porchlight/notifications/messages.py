"""Rendering a notification: one template folder per trigger, in the brand's theme and the
recipient's language (themes/<theme>/templates/notifications/<trigger>/...), or the brand's own
text for that trigger, channel and language (porchlight.notifications.texts) where it has one."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup, escape

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Channel, ShipmentStatus, Trigger
from porchlight.models import Brand, Customer, MessageText, Order
from porchlight.notifications.sms import to_gsm7
from porchlight.notifications.texts import render_text, values_of
from porchlight.platform.clock import utcnow
from porchlight.platform.i18n import Tone
from porchlight.tracking.status_text import HEADLINE
from porchlight.tracking.templating import environment


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


INK_LIGHT, INK_DARK = "#ffffff", "#1d2329"


def ink_on(background: str) -> str:
    """White or near-black text, whichever reads better on `background` (a brand's accent
    may be dark green or pale blue)."""
    lum = _luminance(background)
    on_white = (1.05) / (lum + 0.05)
    on_dark = (lum + 0.05) / (_luminance(INK_DARK) + 0.05)
    return INK_LIGHT if on_white >= on_dark else INK_DARK


def brand_look(brand: Brand, base_url: str) -> dict[str, str]:
    """What makes an email the brand's: its accent, readable text on it, and the logo its pages
    show (the one uploaded in the console, else its theme's) at the brand's own address
    (`base_url`, the scheme and host of its tracking links)."""
    chosen = settings_of(brand)
    base = base_url.rstrip("/")
    if chosen.logo:
        logo = f"{base}/brand-logo/{chosen.logo}"
    else:
        logo = f"{base}/theme/{brand.theme or 'default'}/logo.svg"
    return {"accent": chosen.accent, "accent_ink": ink_on(chosen.accent), "logo_url": logo}


def render_message(
    trigger: Trigger,
    theme: str,
    locale: str,
    context: dict[str, Any],
    tone: Tone = Tone.INFORMAL,
    *,
    own: Mapping[Channel, MessageText] | None = None,
    email: bool = True,
    sms: bool = True,
) -> Rendered:
    """Every part by default (the console's previews); a sender asks only for its channel's:
    an SMS renders one template where an email renders three (half the worker's rendering)."""
    env = environment(theme, locale, tone)
    folder = f"notifications/{trigger.value}"
    values = values_of(trigger, locale, context) if own else {}
    own_email, own_sms = (own or {}).get(Channel.EMAIL), (own or {}).get(Channel.SMS)
    extra: dict[str, Any] = {}
    if own_email is not None and email:
        # The brand's subject is also the headline and its message goes where the theme's
        # would: the parcels, the link and the unsubscribe footer stay the theme's.
        message = render_text(own_email.body, values).strip()
        extra["own"] = {
            "headline": " ".join(render_text(own_email.subject, values).split()),
            "message": message,
            "message_html": Markup("<br>").join(escape(line) for line in message.split("\n")),
        }

    def part(name: str, **more: Any) -> str:
        return env.get_template(f"{folder}/{name}").render({**context, **extra, **more}).strip()

    subject = text = html = sms_text = ""
    if email:
        subject = extra["own"]["headline"] if own_email else " ".join(part("subject.txt").split())
        text = part("body.txt")
        html = part("body.html", subject=subject)  # the HTML's <title>
    if sms:
        sms_text = render_text(own_sms.body, values) if own_sms else part("sms.txt")
    return Rendered(subject=subject, text=text, html=html, sms=to_gsm7(" ".join(sms_text.split())))


def sample_context(brand: Brand, locale: str, order_url: str) -> dict[str, Any]:
    """A made-up order of two parcels, one on its way: what the console previews a message
    with, in the brand's look and words (nothing is read from or written to the database)."""
    chosen = settings_of(brand)
    parcel = {
        "position": 1,
        "of": 2,
        "carrier": "dhl",
        "tracking_number": "JJD000390007786263",
        "headline": HEADLINE[ShipmentStatus.IN_TRANSIT],
        "estimated_delivery": utcnow().date() + timedelta(days=2),
    }
    return {
        "brand": brand,
        "order": Order(number="SAMPLE-1001"),
        "customer": Customer(email="ana@example.com", name="Ana", locale=locale),
        "locale": locale,
        "order_url": order_url,
        "unsubscribe_url": order_url,
        "accent": chosen.accent,
        "support": chosen.support,
        "shipped_count": 1,
        "parcel_count": 2,
        "parcels": [parcel],
    }


def default_source(trigger: Trigger, theme: str, locale: str) -> dict[str, str]:
    """The theme's wording in this language, written with the variables of an own text: what the
    console's editor starts from (subject, body: the email's message paragraph, sms)."""
    env = environment(theme, locale)
    folder = f"notifications/{trigger.value}"
    context = {
        "brand": SimpleNamespace(name="{{ brand }}"),
        "order": SimpleNamespace(number="{{ order_number }}"),
        "customer": SimpleNamespace(name="{{ customer_name }}"),
        "order_url": "{{ order_url }}",
        "shipped_count": "{{ shipped_count }}",
        "parcel_count": "{{ parcel_count }}",
        "parcels": [],
    }
    body = env.get_template(f"{folder}/body.txt")
    message = "".join(body.blocks["message"](body.new_context(context)))
    return {
        "subject": " ".join(env.get_template(f"{folder}/subject.txt").render(context).split()),
        "body": message.strip(),
        "sms": " ".join(env.get_template(f"{folder}/sms.txt").render(context).split()),
    }
