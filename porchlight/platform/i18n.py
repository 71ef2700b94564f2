"""Translations and locale-aware formatting, shared by the portal (per request) and the worker
(per recipient). Catalogs are read from `locales/<lang>/LC_MESSAGES/messages.po` and compiled in
memory, so there is no build step and no stale `.mo` file to forget."""

import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED = ("en", "de", "fr", "es", "nl")
DEFAULT = "en"


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


def best_match(accept_language: str) -> str | None:
    """The supported locale the browser prefers most, honouring q-values."""
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
        if language in SUPPORTED:
            return language
    return None


def supported(locale: str | None) -> str | None:
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED else None


@cache
def _locale(code: str) -> Locale:
    """Parsed once: babel re-parses a locale string on every call (half of each date's cost)."""
    return Locale.parse(code)


# One format per locale for every date and time a reader sees (pages, emails, SMS, the agent's
# workspace), so a scan on the page and the same scan in an email read alike.
DATE_SKELETON = "yMMMEd"  # Tue, Dec 1, 2026 · Di., 1. Dez. 2026
DAY_FORMAT = "full"  # Tuesday, December 1, 2026 (a date with no time: delivery days)


@cache
def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def time_zone(*preferred: str | None) -> str:
    """The first usable zone of `preferred` (the customer's, then the brand's), else UTC: the
    zone a shopper reads every time in, on the page and in messages alike."""
    return next((name for name in preferred if name and _zone_exists(name)), "UTC")


def zone_name(value: datetime, locale: str) -> str:
    """The zone's short name where the locale has one (CET, MEZ, GMT, EST), else its offset
    as the locale writes it (GMT+05:30): never a bare "+0530"."""
    loc = _locale(locale)
    name = dates.format_time(value, "z", tzinfo=value.tzinfo, locale=loc)
    if name[:1] in "+-":
        return dates.get_timezone_gmt(value, "long", locale=loc)
    return name


def format_datetime(value: datetime, locale: str, tz: str = "UTC") -> str:
    """Date, hours and minutes (no seconds) in `tz`, named: "Tue, Dec 1, 2026, 3:05 PM CET"."""
    loc = _locale(locale)
    local = value.astimezone(ZoneInfo(tz))
    day = dates.format_skeleton(DATE_SKELETON, local, locale=loc)
    time = dates.format_time(local, "short", tzinfo=local.tzinfo, locale=loc)
    joined = str(loc.datetime_formats["medium"]).replace("{1}", day).replace("{0}", time)
    return f"{joined} {zone_name(local, locale)}"


def format_date(value: date, locale: str) -> str:
    """A day with no time of day (a delivery or promise date): no zone to name."""
    return dates.format_date(value, format=DAY_FORMAT, locale=_locale(locale))


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    return numbers.format_currency(amount, currency, locale=_locale(locale))


@cache
def language_name(locale: str) -> str:
    return (Locale.parse(locale).get_display_name(locale) or locale).capitalize()
