"""Rendering a notification: one template folder per trigger, in the brand's theme and the
recipient's language (themes/<theme>/templates/notifications/<trigger>/...)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import ShipmentStatus, Trigger
from porchlight.models import Brand, Customer, Order
from porchlight.notifications.sms import to_gsm7
from porchlight.platform.clock import utcnow
from porchlight.tracking.status_text import HEADLINE
from porchlight.tracking.templating import environment


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


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
