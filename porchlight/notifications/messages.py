"""Rendering a notification: one template folder per trigger, in the brand's theme and the
recipient's language (themes/<theme>/templates/notifications/<trigger>/...)."""

from dataclasses import dataclass
from typing import Any

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Trigger
from porchlight.models import Brand
from porchlight.notifications.sms import to_gsm7
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
    """What makes an email the brand's: its accent, readable text on it, and its theme's logo
    at the brand's own address (`base_url`, the scheme and host of its tracking links)."""
    accent = settings_of(brand).accent
    theme = brand.theme or "default"
    return {
        "accent": accent,
        "accent_ink": ink_on(accent),
        "logo_url": f"{base_url.rstrip('/')}/theme/{theme}/logo.svg",
    }


def render_message(trigger: Trigger, theme: str, locale: str, context: dict[str, Any]) -> Rendered:
    env = environment(theme, locale)
    folder = f"notifications/{trigger.value}"

    def part(name: str, **extra: Any) -> str:
        return env.get_template(f"{folder}/{name}").render({**context, **extra}).strip()

    subject = " ".join(part("subject.txt").split())
    return Rendered(
        subject=subject,
        text=part("body.txt"),
        html=part("body.html", subject=subject),  # the HTML's <title>
        sms=to_gsm7(" ".join(part("sms.txt").split())),
    )
