"""Every notification renders in every theme and language, fits its channel, and escapes what
a retailer or shopper typed."""

from datetime import date
from decimal import Decimal

import pytest
from markupsafe import escape

from porchlight.enums import Trigger
from porchlight.models import Brand, Customer, Order, Refund
from porchlight.notifications.messages import brand_look, render_message
from porchlight.notifications.sms import segments
from porchlight.orders.split import StillToCome
from porchlight.platform.i18n import SUPPORTED
from porchlight.tracking.status_text import HEADLINE
from porchlight.tracking.templating import THEMES_DIR

THEMES = sorted(p.name for p in THEMES_DIR.iterdir() if (p / "templates").is_dir())
LONG_URL = "https://track.northwind-outfitters.example/o/" + "x" * 24


def context(locale: str, brand_name: str = "Northwind Outfitters") -> dict:
    brand = Brand(slug="northwind", name=brand_name, theme="default", settings={})
    order = Order(number="NW-2026-004711")
    parcel = {
        "position": 1,
        "of": 2,
        "carrier": "dhl",
        "tracking_number": "JJD000390007786263",
        "headline": HEADLINE["in_transit"],
        "estimated_delivery": date(2026, 12, 4),
    }
    return {
        "brand": brand,
        "order": order,
        "customer": Customer(email="ana@example.com", name="Ana"),
        "locale": locale,
        "order_url": LONG_URL,
        "unsubscribe_url": "https://track.example/unsubscribe/abc",
        **brand_look(brand, "https://track.example"),
        "shipped_count": 2,
        "parcel_count": 3,
        "parcels": [parcel, {**parcel, "position": 2}],
        # What the newer messages add: a split order's rest, a date's start, a refund.
        "still_to_come": StillToCome(1, [{"sku": "PL", "name": "Plate & <b>", "quantity": 2}]),
        "previous_date": date(2026, 12, 2),
        "refund": Refund(amount=Decimal("19.90"), currency="EUR"),
    }


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("trigger", list(Trigger), ids=lambda t: t.value)
def test_every_message_renders_and_fits_its_channel(trigger, locale, theme):
    message = render_message(trigger, theme, locale, context(locale))
    assert message.subject and "\n" not in message.subject and "%(" not in message.subject
    assert message.sms and "\n" not in message.sms
    assert LONG_URL in message.sms, "an SMS carries the tracking link"
    assert segments(message.sms) <= 2, (len(message.sms), message.sms)
    for part in (message.text, message.html):
        assert LONG_URL in part
        assert "https://track.example/unsubscribe/abc" in part
        assert "JJD000390007786263" in part
        assert "%(" not in part
    assert message.html.lstrip().lower().startswith("<!doctype html>")
    assert f"<title>{escape(message.subject)}</title>" in message.html  # what the mail app shows


def test_a_translated_message_is_really_translated():
    english = render_message(Trigger.DELIVERED, "default", "en", context("en"))
    for locale in ("de", "fr", "es", "nl"):
        other = render_message(Trigger.DELIVERED, "default", locale, context(locale))
        assert other.subject != english.subject
        assert other.sms != english.sms


def test_a_brand_name_with_markup_is_escaped_in_html_and_left_alone_in_text():
    ctx = context("en", brand_name='Tom & Jerry <script>alert("x")</script>')
    message = render_message(Trigger.SHIPPED, "default", "en", ctx)
    assert "<script>" not in message.html
    assert "Tom &amp; Jerry &lt;script&gt;" in message.html
    assert message.sms.startswith('Tom & Jerry <script>alert("x")</script>: your order')
    assert "Tom & Jerry" in message.text


def test_a_retailers_item_name_is_escaped_in_the_html_of_whats_still_to_come():
    message = render_message(Trigger.SPLIT_PROGRESS, "default", "en", context("en"))
    assert "Still to ship: 2 × Plate &amp; &lt;b&gt;." in message.html
    assert "Still to ship: 2 × Plate & <b>." in message.text
    assert "1 more parcel is still to come." in message.text
