"""Translations and locale-aware formatting, shared by the portal (per request) and the worker
(per recipient). Catalogs are read from `locales/<lang>/LC_MESSAGES/messages.po` and compiled in
memory, so there is no build step and no stale `.mo` file to forget.

Where a language has a formal and an informal "you" (de Sie/du, es usted/tú, nl u/je), the
default catalog speaks informally and `formal.po` beside it holds the formal wording of the
strings that differ; a brand picks its tone (`BrandSettings.tone`), and a string the formal
catalog lacks falls back to the default one. French says "vous" in both."""

import io
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED = ("en", "de", "fr", "es", "nl")
DEFAULT = "en"


def N_(message: str) -> str:
    """Mark for extraction only; translated at render time in the reader's language."""
    return message


class Tone(StrEnum):
    """How shopper pages and messages address the shopper."""

    INFORMAL = "informal"
    FORMAL = "formal"


TONE_DOMAINS = {Tone.INFORMAL: "messages", Tone.FORMAL: "formal"}

# French typography: a no-break space before ":" and inside « », a narrow one before ; ! ?
# and between thousands. Set when the catalog is read, so no translator types invisible
# characters and a new string gets it too; an SMS turns them back into plain spaces.
FRENCH_SPACES = (
    (re.compile(r" ([:»])"), "\u00a0\\1"),
    (re.compile(r"« "), "«\u00a0"),
    (re.compile(r" ([;!?])"), "\u202f\\1"),
    (re.compile(r"(?<=\d) (?=\d{3}\b)"), "\u202f"),
)


def french_spacing(text: str) -> str:
    for pattern, replacement in FRENCH_SPACES:
        text = pattern.sub(replacement, text)
    return text


def _compiled(path: Path, locale: str) -> Translations | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    if locale == "fr":
        for message in catalog:
            if not message.id:
                continue  # the header
            if isinstance(message.string, str):
                message.string = french_spacing(message.string)
            elif message.string:
                message.string = tuple(french_spacing(s) for s in message.string)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@cache
def translations(locale: str, tone: Tone = Tone.INFORMAL) -> NullTranslations:
    """The catalog for `locale` in `tone`; the formal one falls back string by string."""
    if locale == DEFAULT:
        return NullTranslations()
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    default = _compiled(folder / "messages.po", locale)
    if default is None:
        return NullTranslations()
    if tone is Tone.INFORMAL:
        return default
    variant = _compiled(folder / f"{TONE_DOMAINS[tone]}.po", locale)
    if variant is None:
        return default
    variant.add_fallback(default)
    return variant


def prune_variants() -> None:
    """`make catalogs`: drop from each tone variant the strings the template no longer has (a
    variant holds only what it says differently, so it is not `pybabel update`d)."""
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        used = {m.id for m in read_po(handle) if m.id}
    for domain in set(TONE_DOMAINS.values()) - {"messages"}:
        for path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{domain}.po")):
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=path.parts[-3])
            unused = [m.id for m in catalog if m.id and m.id not in used]
            for msgid in unused:
                catalog.delete(msgid)
            if unused:
                with path.open("wb") as handle:
                    write_po(handle, catalog, width=100)


# Browsers send a handful of distinct Accept-Language headers; each is parsed once per process
# (bounded: the header is the visitor's to choose).
@lru_cache(maxsize=1024)
def best_match(accept_language: str, among: tuple[str, ...] = SUPPORTED) -> str | None:
    """The locale (of `among`: a brand's offered ones) the browser prefers most, by q-value."""
    if not accept_language:
        return None
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
    if not locale:  # most of a page view's questions (no ?lang=, no cookie)
        return None
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in among else None


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


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# A local day as the locale writes it, and the zone's name that day at that offset: the same for
# every scan of that day (babel looks the skeleton and the zone up again on each call).
_DAYS: dict[tuple[str, str, date, timedelta | None], tuple[str, str]] = {}
DAYS_KEPT = 8192


def _day_and_zone(local: datetime, locale: str, tz: str) -> tuple[str, str]:
    key = (locale, tz, local.date(), local.utcoffset())
    found = _DAYS.get(key)
    if found is None:
        if len(_DAYS) >= DAYS_KEPT:
            _DAYS.clear()
        day = dates.format_skeleton(DATE_SKELETON, local, locale=_locale(locale))
        found = _DAYS[key] = (day, zone_name(local, locale))
    return found


@lru_cache(maxsize=4096)
def _clock(locale: str, hour: int, minute: int) -> str:
    """Hours and minutes as the locale writes them: one of 1,440 per locale."""
    return dates.format_time(time(hour, minute), "short", locale=_locale(locale))


@cache
def _joined(locale: str) -> str:
    return str(_locale(locale).datetime_formats["medium"])


def format_datetime(value: datetime, locale: str, tz: str = "UTC") -> str:
    """Date, hours and minutes (no seconds) in `tz`, named: "Tue, Dec 1, 2026, 3:05 PM CET".
    Its parts are kept per locale (a page shows 40 scans; formatting each afresh was a third
    of a first view's time)."""
    local = value.astimezone(_zone(tz))
    day, zone = _day_and_zone(local, locale, tz)
    clock = _clock(locale, local.hour, local.minute)
    return f"{_joined(locale).replace('{1}', day).replace('{0}', clock)} {zone}"


def format_date(value: date, locale: str) -> str:
    """A day with no time of day (a delivery or promise date): no zone to name."""
    return dates.format_date(value, format=DAY_FORMAT, locale=_locale(locale))


def format_number(value: float | Decimal, locale: str, digits: int = 2) -> str:
    """A figure with the reader's decimal and grouping marks (12,5 in de, 1 234,5 in fr), at
    most `digits` decimals and no trailing zeros."""
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    rounded = round(Decimal(str(value)), digits)
    return numbers.format_decimal(rounded, format=pattern, locale=_locale(locale))


def format_money(amount: Decimal | str, currency: str, locale: str) -> str:
    """`amount` may be the "12.50" a case step keeps: shown as 12,50 € where that is the way."""
    return numbers.format_currency(Decimal(amount), currency, locale=_locale(locale))


@cache
def language_name(locale: str) -> str:
    return (Locale.parse(locale).get_display_name(locale) or locale).capitalize()
