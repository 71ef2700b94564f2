"""A brand's own wording of a message: per trigger, channel and language, replacing the theme's.

The retailer writes Jinja, so it runs in jinja2's sandbox and sees plain values only (names,
numbers, links: never a model), each trigger offering the variables listed in `variables()`.
A text is checked when saved: a syntax error, an unknown variable or filter, or anything the
sandbox refuses is turned down with the reason, so the worker never meets a broken template.
Rendered text is escaped where it lands in HTML (porchlight.notifications.messages).
"""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from porchlight.enums import Channel, Trigger
from porchlight.models import Agent, Brand, MessageText
from porchlight.platform import i18n
from porchlight.platform.clock import utcnow
from porchlight.platform.i18n import N_

SUBJECT_MAX = 300
BODY_MAX = 4000

COMMON = {
    "brand": N_("Your brand's name"),
    "customer_name": N_("The customer's name (may be empty)"),
    "order_number": N_("The order number"),
    "order_url": N_("The link to the order's tracking page"),
    "carrier": N_("The carrier of the parcel"),
    "tracking_number": N_("The parcel's tracking number"),
}
ESTIMATE = {"estimated_delivery": N_("The estimated delivery date (may be empty)")}
BY_TRIGGER: dict[Trigger, dict[str, str]] = {
    Trigger.SHIPPED: ESTIMATE,
    Trigger.FIRST_SCAN: ESTIMATE,
    Trigger.DELAY: ESTIMATE,
    Trigger.SPLIT_PROGRESS: {
        **ESTIMATE,
        "shipped_count": N_("How many of the order's parcels have shipped"),
        "parcel_count": N_("How many parcels the order has"),
    },
}

_sandbox = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_sandbox.globals.clear()  # no range(), lipsum(), namespace(): a text has its variables only
# What a text may be made of. The sandbox keeps a template from reaching Python, not from
# running long: loops, arithmetic and filters that grow a string (replace, center, wordwrap)
# could keep the console or the worker busy for minutes, so they are refused on save.
FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate"})
FORBIDDEN = N_("Line %(line)s: a text may use variables, if/else and the filters %(filters)s only.")
NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Test,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.Keyword,
)


class TextError(ValueError):
    """A text refused on save. `message` is a gettext msgid, `params` its placeholders."""

    def __init__(self, field: str, message: str, **params: str) -> None:
        self.field, self.message, self.params = field, message, params
        super().__init__(f"{field}: {message % params}")


def variables(trigger: Trigger) -> dict[str, str]:
    """What a text for this trigger may use: name → description (a msgid)."""
    return {**COMMON, **BY_TRIGGER.get(trigger, {})}


@lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    return _sandbox.from_string(source)


def render_text(source: str, values: Mapping[str, Any]) -> str:
    return str(_compiled(source).render(values))


def check(trigger: Trigger, field: str, source: str, *, required: bool = True) -> str:
    """The text as it will be stored, or TextError saying what is wrong with it."""
    source = source.replace("\r\n", "\n").strip()
    limit = SUBJECT_MAX if field == "subject" else BODY_MAX
    if not source:
        if required:
            raise TextError(field, N_("This text cannot be empty."))
        return source
    if len(source) > limit:
        raise TextError(
            field,
            N_("At most %(limit)s characters, this has %(count)s."),
            limit=str(limit),
            count=str(len(source)),
        )
    try:  # an unknown filter is found by the introspection's compile step
        parsed = _sandbox.parse(source)
        named = meta.find_undeclared_variables(parsed)
    except TemplateSyntaxError as exc:
        raise TextError(
            field, N_("Line %(line)s: %(error)s"), line=str(exc.lineno), error=exc.message or ""
        ) from None
    for node in parsed.find_all(nodes.Node):
        if not isinstance(node, NODES) or (
            isinstance(node, nodes.Filter) and node.name not in FILTERS
        ):
            raise TextError(
                field,
                FORBIDDEN,
                line=str(node.lineno),
                filters=", ".join(sorted(FILTERS - {"d"})),
            )
    allowed = variables(trigger)
    unknown = sorted(named - allowed.keys())
    if unknown:
        raise TextError(
            field,
            N_("Unknown variable %(name)s. This message may use: %(allowed)s."),
            name=unknown[0],
            allowed=", ".join(allowed),
        )
    try:
        render_text(source, dict.fromkeys(allowed, "1"))  # every value is a string
    except (TemplateError, TypeError, ValueError) as exc:  # e.g. truncate("many")
        raise TextError(field, N_("This template fails: %(error)s"), error=str(exc)) from None
    return source


def values_of(trigger: Trigger, locale: str, context: Mapping[str, Any]) -> dict[str, str]:
    """The variables of a real message, from the context its theme templates get."""
    values = all_values(locale, context)
    return {name: values[name] for name in variables(trigger)}


def all_values(locale: str, context: Mapping[str, Any]) -> dict[str, str]:
    """Every variable any message has, in `locale` (a WhatsApp template may use any of them)."""
    first = context["parcels"][0] if context.get("parcels") else {}
    estimate = first.get("estimated_delivery")
    return {
        "brand": context["brand"].name,
        "customer_name": context["customer"].name,
        "order_number": context["order"].number,
        "order_url": context["order_url"],
        "carrier": str(first.get("carrier", "")).upper(),
        "tracking_number": first.get("tracking_number", ""),
        "estimated_delivery": i18n.format_date(estimate, locale) if estimate else "",
        "shipped_count": str(context.get("shipped_count", "")),
        "parcel_count": str(context.get("parcel_count", "")),
    }


async def own_texts(brand: Brand, trigger: Trigger, locale: str) -> dict[Channel, MessageText]:
    """The brand's texts for this trigger in this language, by channel (none: the theme's)."""
    rows = await MessageText.filter(
        brand=brand, trigger=trigger, locale=i18n.supported(locale) or locale
    )
    return {Channel(row.channel): row for row in rows}


async def save_text(
    brand: Brand,
    trigger: Trigger,
    channel: Channel,
    locale: str,
    *,
    subject: str,
    body: str,
    agent: Agent | None,
) -> MessageText:
    """Checks, then stores (replacing the previous text). The caller records the audit entry."""
    body = check(trigger, "body", body)
    subject = check(trigger, "subject", subject) if channel == Channel.EMAIL else ""
    if "\n" in subject:
        raise TextError("subject", N_("A subject is one line."))
    row, _ = await MessageText.update_or_create(
        brand=brand,
        trigger=trigger,
        channel=channel,
        locale=locale,
        defaults={"subject": subject, "body": body, "updated_at": utcnow(), "updated_by": agent},
    )
    return row


async def reset_text(brand: Brand, trigger: Trigger, channel: Channel, locale: str) -> bool:
    """Back to the theme's text. True when there was an own text to remove."""
    removed = await MessageText.filter(
        brand=brand, trigger=trigger, channel=channel, locale=locale
    ).delete()
    return removed > 0
