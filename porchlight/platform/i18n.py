"""Translations and locale-aware formatting, shared by the portal (per request) and the worker
(per recipient). Catalogs are read from `locales/<lang>/LC_MESSAGES/messages.po` and compiled in
memory, so there is no build step and no stale `.mo` file to forget."""

import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED = ("en", "de", "fr", "es", "nl")
DEFAULT = "en"


def N_(message: str) -> str:
    """Mark for extraction only; translated at render time in the reader's language."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def best_match(accept_language: str, among: tuple[str, ...] = SUPPORTED) -> str | None:
    """The locale (of `among`: a brand's offered ones) the browser prefers most, by q-value."""
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(wanted):
        language = tag.replace("_", "-").split("-")[0].lower()
        if language in among:
            return language
    return None


def supported(locale: str | None, among: tuple[str, ...] = SUPPORTED) -> str | None:
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    return language if language in among else None


@cache
def _locale(code: str) -> Locale:
    """Parsed once: babel re-parses a locale string on every call (half of each date's cost)."""
    return Locale.parse(code)


def format_datetime(value: datetime, locale: str, tz: str = "UTC", fmt: str = "medium") -> str:
    return dates.format_datetime(value, format=fmt, tzinfo=ZoneInfo(tz), locale=_locale(locale))


def format_date(value: date, locale: str, fmt: str = "full") -> str:
    return dates.format_date(value, format=fmt, locale=_locale(locale))


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    return numbers.format_currency(amount, currency, locale=_locale(locale))


@cache
def language_name(locale: str) -> str:
    return (Locale.parse(locale).get_display_name(locale) or locale).capitalize()
