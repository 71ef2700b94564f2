"""A WhatsApp message is the brand's pre-approved template for the trigger (Twilio's Content
API: a Content SID and its placeholders' values as JSON), not text we write: in the customer's
language where the brand has that language's template, its placeholders filled in the same
language."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Trigger
from porchlight.models import Brand
from porchlight.notifications.texts import all_values

PREFIX = "whatsapp:"  # how Twilio's Messages API tells a WhatsApp address from a phone number


@dataclass(frozen=True)
class Template:
    content_sid: str
    content_variables: str  # JSON, as Twilio's ContentVariables takes it
    language: str


def address(phone: str) -> str:
    return f"{PREFIX}{phone}"


def phone_of(sender: str) -> str | None:
    """The phone number behind an inbound message's `From`, if it came over WhatsApp."""
    return sender.removeprefix(PREFIX) if sender.startswith(PREFIX) else None


def template_for(
    brand: Brand, triggers: tuple[Trigger, ...], locale: str, context: Mapping[str, Any]
) -> Template | None:
    """The first of `triggers` the brand mapped to a template (a "shipped" that became "2 of 3
    shipped" falls back to the shipped one), in `locale`, else in the brand's default language;
    None while WhatsApp is off for them."""
    chosen = settings_of(brand).whatsapp
    found = next((t for t in map(chosen.template, triggers) if t is not None), None)
    if found is None:
        return None
    sids = found.content_sids
    language = next(
        (lang for lang in (locale, brand.default_locale) if lang in sids), next(iter(sids))
    )
    values = all_values(language, context)
    filled = {number: values[name] for number, name in sorted(found.variables.items())}
    return Template(sids[language], json.dumps(filled, ensure_ascii=False), language)
