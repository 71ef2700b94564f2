"""Jinja environments per (theme, locale): a brand's theme folder first, the default theme after.

`{% extends "default:page.html" %}` lets a theme override a template and still build on the
original. The worker renders notifications with the same environments, in the recipient's
locale, so shopper pages and messages never drift apart.
"""

from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from porchlight.platform import i18n
from porchlight.tracking import labels

THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
DEFAULT_THEME = "default"


def theme_exists(theme: str) -> bool:
    return theme.isidentifier() and (THEMES_DIR / theme).is_dir()


@cache
def environment(theme: str, locale: str, tone: i18n.Tone = i18n.Tone.INFORMAL) -> Environment:
    default = FileSystemLoader(THEMES_DIR / DEFAULT_THEME / "templates")
    loaders = [default]
    if theme != DEFAULT_THEME and theme_exists(theme):
        loaders.insert(0, FileSystemLoader(THEMES_DIR / theme / "templates"))
    env = Environment(
        loader=ChoiceLoader([PrefixLoader({"default": default}, delimiter=":"), *loaders]),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are read once per process (a theme edited is shown after a restart, as
        # the README says): no stat of each template file on every page rendered.
        auto_reload=False,
    )
    translations = i18n.translations(locale, tone)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["locale"] = locale
    env.globals["labels"] = labels
    env.globals["theme"] = theme if theme_exists(theme) else DEFAULT_THEME
    # One format per locale (porchlight.platform.i18n); a format argument older templates pass
    # is accepted and left unused.
    env.filters["datetime"] = lambda v, tz="UTC", *_: i18n.format_datetime(v, locale, tz)
    env.filters["date"] = lambda v, *_: i18n.format_date(v, locale)
    env.filters["number"] = lambda v, digits=2: i18n.format_number(v, locale, digits)
    env.filters["worded"] = lambda code, table: labels.worded(table, code, translations.gettext)
    env.filters["isodate"] = date.fromisoformat  # a date kept as text in JSON
    env.filters["money"] = lambda amount, currency: i18n.format_money(amount, currency, locale)
    return env
