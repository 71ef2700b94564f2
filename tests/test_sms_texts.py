"""Every text a shopper can receive, in every language and tone, fits one SMS part with a long
brand name and a long link, and is spelt right: a word GSM-7 cannot spell goes out as UCS-2
(and is counted so) instead of losing its accents."""

import pytest

from porchlight.enums import Trigger
from porchlight.models import Brand, Customer, Order
from porchlight.notifications.messages import render_message
from porchlight.notifications.sms import REPLIES, is_gsm7, reply, segments, to_gsm7
from porchlight.platform.i18n import SUPPORTED, Tone
from porchlight.tracking.templating import environment

BRAND = "Northwind Outfitters"  # 20 characters
LINK = "https://track.northwind-outfitters.example/o/" + "k" * 25  # 70 characters
ORDER = "NW-2026-004711"


def context(locale: str, brand_name: str = BRAND) -> dict:
    return {
        "brand": Brand(slug="northwind", name=brand_name, theme="default", settings={}),
        "order": Order(number=ORDER),
        "customer": Customer(email="ana@example.com"),
        "locale": locale,
        "order_url": LINK,
        "unsubscribe_url": "https://track.example/unsubscribe/abc",
        "accent": "#1f5f8b",
        "shipped_count": 2,
        "parcel_count": 3,
        "parcels": [],
    }


def test_the_measure_is_what_the_issue_asks_for():
    assert (len(BRAND), len(LINK)) == (20, 70)


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("trigger", list(Trigger), ids=lambda t: t.value)
def test_every_notification_text_is_one_gsm7_part(trigger, locale, tone):
    sms = render_message(trigger, "default", locale, context(locale), tone).sms
    assert LINK in sms and ORDER in sms and BRAND in sms
    assert is_gsm7(sms), [ch for ch in sms if not is_gsm7(ch)]
    assert segments(sms) == 1, (len(sms), sms)


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_phone_code_text_is_one_gsm7_part(locale, tone):
    template = environment("default", locale, tone).get_template("phone_code/sms.txt")
    text = to_gsm7(template.render(brand=context(locale)["brand"], code="123456", minutes=10))
    assert "123456" in text and BRAND in text
    assert is_gsm7(text) and segments(text) == 1, (len(text), text)


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("keyword", sorted(REPLIES))
def test_start_and_help_replies_are_one_gsm7_part(keyword, locale, tone):
    text = reply(keyword, locale, tone)
    assert "STOP" in text
    assert is_gsm7(text) and segments(text) == 1, (len(text), text)


def test_nothing_else_is_answered():
    assert reply("stop", "fr", Tone.INFORMAL) == reply("hello", "fr", Tone.INFORMAL) == ""


def test_letters_are_never_swapped_only_typography():
    assert (
        to_gsm7("reçu, ¿está? «oui»\u00a0: l’été – déjà…")
        == 'reçu, ¿está? "oui" : l\'été - déjà...'
    )


def test_a_word_gsm7_cannot_spell_makes_the_text_ucs2_and_counts_so():
    sms = render_message(
        Trigger.SHIPPED, "default", "fr", context("fr", brand_name="Crème Brûlée & Côte")
    ).sms
    assert sms.startswith("Crème Brûlée & Côte : votre commande")
    assert not is_gsm7(sms)
    assert segments(sms) == -(-len(sms) // 67)  # UCS-2: 67 characters a part once past 70
    assert segments("ç" * 70) == 1 and segments("ç" * 71) == 2
    assert segments("c" * 160) == 1 and segments("c" * 161) == 2
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # two GSM-7 units each
