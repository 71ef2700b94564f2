"""Everything a brand can tune, in one typed schema with defaults, ranges and help text.

`brand.settings` stores this schema as JSON. The code reads it through `settings_of(brand)`, the
console and the CLI write it through `validate_settings`, so an unknown key or a value out of
range is refused with the field named instead of surfacing later as a wrong message or a 500.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from porchlight.enums import Channel, ExceptionType, Trigger
from porchlight.models import Brand
from porchlight.platform.i18n import N_, SUPPORTED, Tone

Hours = Annotated[float, Field(ge=0, le=24 * 30)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
EMAIL = r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliveryOptions(_Schema):
    """Which delivery changes the shopper may ask for on the tracking page."""

    choose_date: bool = Field(False, description=N_("Let the shopper pick another delivery day."))
    pickup_point: bool = Field(False, description=N_("Let the shopper send it to a pickup point."))
    reroute: bool = Field(False, description=N_("Let the shopper give another address."))
    cutoff_hours: float = Field(
        0,
        ge=0,
        le=24 * 14,
        description=N_(
            "Changes close this many hours before the estimated delivery day starts "
            "(0: until the parcel is out for delivery)."
        ),
    )

    def enabled(self) -> list[str]:
        return [kind for kind in ("choose_date", "pickup_point", "reroute") if getattr(self, kind)]


class ExceptionThresholds(_Schema):
    """When the sweep calls a quiet parcel a problem."""

    no_first_scan_hours: Hours = Field(
        24, description=N_("Hours after shipping without a carrier scan before a case opens.")
    )
    stalled_days: float = Field(
        3,
        ge=0.5,
        le=60,
        description=N_("Days without a scan before an in-transit parcel is stalled."),
    )
    stalled_days_by_carrier: dict[str, Annotated[float, Field(ge=0.5, le=60)]] = Field(
        default_factory=dict, description=N_("Per carrier code, instead of stalled_days.")
    )

    @field_validator("stalled_days_by_carrier")
    @classmethod
    def _carrier_codes(cls, value: dict[str, float]) -> dict[str, float]:
        return {code.strip().lower(): days for code, days in value.items() if code.strip()}


class BusinessHours(_Schema):
    """The working week SLA clocks run in, in the brand's time zone (weekday 0 is Monday)."""

    start: int = Field(9, ge=0, le=23, description=N_("Hour the team starts."))
    end: int = Field(17, ge=1, le=24, description=N_("Hour the team stops."))
    days: frozenset[Annotated[int, Field(ge=0, le=6)]] = Field(
        frozenset(range(5)), description=N_("Working weekdays, 0 = Monday.")
    )
    holidays: frozenset[date] = Field(
        frozenset(), description=N_("Days off (YYYY-MM-DD) on which SLA clocks stop.")
    )

    @model_validator(mode="after")
    def _a_day_has_hours(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if not self.days:
            raise ValueError("at least one working day is needed")
        return self


def _web_address(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http:// or https:// address")
    return value


class SupportContact(_Schema):
    """Where shoppers reach the retailer's people: shown on the tracking page and in messages."""

    email: str | None = Field(None, max_length=254, pattern=EMAIL, description=N_("Support email."))
    phone: str | None = Field(
        None,
        max_length=32,
        pattern=r"^\+?[0-9][0-9 ()./-]{3,30}$",
        description=N_("Support phone."),
    )
    url: str | None = Field(None, max_length=2000, description=N_("Help page (http or https)."))

    _url = field_validator("url")(_web_address)


class QuietHours(_Schema):
    """When messages wait, in each customer's local time (a customer's own hours win)."""

    start: int = Field(
        21, ge=0, le=23, description=N_("Hour quiet hours begin, in each customer's own time zone.")
    )
    end: int = Field(
        8,
        ge=0,
        le=23,
        description=N_(
            "Hour they end (the start hour again: none); messages due meanwhile go then."
        ),
    )


Weekdays = frozenset[Annotated[int, Field(ge=0, le=6)]]


class DeliveryPrediction(_Schema):
    """Our own delivery dates from the brand's delivered parcels (porchlight.edd)."""

    confidence: float = Field(
        0.8,
        ge=0.5,
        le=0.99,
        description="Share of parcels that arrive by the predicted date (0.8 = 80%).",
    )
    min_samples: int = Field(
        30, ge=1, le=100_000, description="Delivered parcels a lane needs before it predicts."
    )
    prefer_prediction: bool = Field(
        False, description="Show our date on the tracking page even when the carrier gave one."
    )
    warn_shopper_early: bool = Field(
        False,
        description="Send the delay message when our date passes the promise, before the "
        "carrier's does.",
    )
    half_life_weeks: float = Field(
        6, ge=0.5, le=104, description="Weeks after which a delivered parcel counts half."
    )
    history_weeks: int = Field(
        52, ge=2, le=156, description="Weeks of delivered parcels the lanes learn from."
    )
    delivery_days_by_carrier: dict[str, Weekdays] = Field(
        default_factory=dict,
        description="Weekdays each carrier delivers on (0 = Monday); others: Monday to Friday.",
    )

    @field_validator("delivery_days_by_carrier")
    @classmethod
    def _carrier_days(cls, value: dict[str, frozenset[int]]) -> dict[str, frozenset[int]]:
        if any(not days for days in value.values()):
            raise ValueError("a carrier needs at least one delivery day")
        return {code.strip().lower(): days for code, days in value.items() if code.strip()}


# What a WhatsApp template's placeholders ("1", "2", …) may be filled with: the variables a
# brand's own texts use (porchlight.notifications.texts), rendered in the customer's language.
WHATSAPP_VARIABLES = frozenset(
    {
        "brand",
        "customer_name",
        "order_number",
        "order_url",
        "carrier",
        "tracking_number",
        "estimated_delivery",
        "shipped_count",
        "parcel_count",
    }
)
ContentSid = Annotated[str, Field(pattern=r"^HX[0-9a-fA-F]{32}$")]


class WhatsAppTemplate(_Schema):
    """One trigger's pre-approved template (Twilio Content API): its Content SID per language
    (WhatsApp approves each language as its own template) and what fills its placeholders."""

    content_sids: dict[str, ContentSid] = Field(
        description="Content SID (HX…) per language code; the brand's default language's is "
        "used for a customer whose language has none."
    )
    variables: dict[Annotated[str, Field(pattern=r"^[1-9][0-9]?$")], str] = Field(
        default_factory=dict,
        description="Placeholder number → variable (order_number, order_url, …).",
    )

    @field_validator("content_sids")
    @classmethod
    def _languages(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("give at least one language's Content SID")
        unknown = sorted(set(value) - set(SUPPORTED))
        if unknown:
            raise ValueError(f"unknown language {', '.join(unknown)}")
        return value

    @field_validator("variables")
    @classmethod
    def _known_variables(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - WHATSAPP_VARIABLES)
        if unknown:
            raise ValueError(
                f"unknown variable {unknown[0]}: one of {', '.join(sorted(WHATSAPP_VARIABLES))}"
            )
        return value


class WhatsApp(_Schema):
    """WhatsApp through Twilio, a third channel: sent for the triggers mapped to a template, to
    customers who opted in to it."""

    enabled: bool = Field(False, description=N_("Send WhatsApp messages to shoppers who opt in."))
    sender: str | None = Field(
        None,
        pattern=r"^\+[1-9][0-9]{6,14}$",
        description=N_("The brand's WhatsApp sender number, with country code (+44…)."),
    )
    templates: dict[Trigger, WhatsAppTemplate] = Field(
        default_factory=dict, description="Per trigger, its approved template."
    )

    @model_validator(mode="after")
    def _a_sender_to_send_from(self) -> Self:
        if self.enabled and not self.sender:
            raise ValueError("a WhatsApp sender number is needed to turn WhatsApp on")
        return self

    def template(self, trigger: Trigger) -> WhatsAppTemplate | None:
        """The trigger's template while WhatsApp is on; None: no WhatsApp message for it."""
        return self.templates.get(trigger) if self.enabled else None


class BrandSettings(_Schema):
    """A brand's policy. Every field has a default, so `{}` is a complete, working brand."""

    delivery_options: DeliveryOptions = DeliveryOptions()
    notification_channels: dict[Trigger, frozenset[Channel]] = Field(
        default_factory=dict,
        description=N_("Channels per trigger, replacing the default for the triggers named."),
    )
    whatsapp: WhatsApp = WhatsApp()
    shipped_grace_hours: Hours = Field(
        12, description=N_("Hours a 'shipped' message waits for the first scan to make it moot.")
    )
    group_hold_minutes: float = Field(
        10, ge=0, le=24 * 60, description=N_("Minutes a split order's message waits for siblings.")
    )
    new_date_messages: bool = Field(
        True,
        description="Tell the shopper when the carrier's date moves later but keeps the promise.",
    )
    estimate_hold_minutes: float = Field(
        120,
        ge=0,
        le=24 * 60,
        description="Minutes a date message waits: a date that moves back meanwhile sends none.",
    )
    daily_message_cap: int = Field(
        4, ge=1, le=50, description=N_("Messages per order, channel and day at most.")
    )
    quiet_hours: QuietHours = Field(
        QuietHours(), description=N_("Messages wait through these hours; start = end: never.")
    )
    exception_thresholds: ExceptionThresholds = ExceptionThresholds()
    sla_hours: dict[ExceptionType, Annotated[float, Field(gt=0, le=24 * 14)]] = Field(
        default_factory=dict,
        description=N_("Business hours to first action per exception type, replacing the default."),
    )
    business_hours: BusinessHours = BusinessHours()
    sla_warning_minutes: float = Field(
        30,
        ge=0,
        le=24 * 60,
        description="Minutes before a case's first-response SLA breaks that its owner is "
        "emailed (0: no warning). A broken SLA is emailed to the brand's leads.",
    )
    delivery_prediction: DeliveryPrediction = DeliveryPrediction()
    high_value_amount: Decimal = Field(
        Decimal("200"), ge=0, description=N_("Order value from which a case is flagged high value.")
    )
    repeat_issue_threshold: int = Field(
        3,
        ge=2,
        le=1000,
        description="Cases on one lane (carrier, origin node, destination area) within "
        "repeat_issue_days from which a new case there is flagged as a repeat issue.",
    )
    repeat_issue_days: float = Field(
        7, ge=1, le=90, description="Days of cases counted for a repeat lane issue."
    )
    low_rating_callback: bool = Field(
        True,
        description="Open a case for a lead to call the shopper back when they rate a delivery "
        "1 or 2 (once per order).",
    )
    activation_hours: Hours = Field(
        24, description=N_("Hours from shipping to first scan that count as on time (KPIs).")
    )
    country: str | None = Field(
        None,
        pattern=r"^[A-Z]{2}$",
        description="Where the brand sells (ISO code: GB, DE): a phone number a shopper types "
        "without a country code is read as this country's; unset, the order's destination.",
    )
    accent: Colour = Field(
        "#1f5f8b",
        description=N_("Accent colour of pages and emails, as #rrggbb; white text sits on it."),
    )
    background: Colour = Field(
        "#f4f6f8", description=N_("Background colour of the tracking pages, as #rrggbb.")
    )
    tagline: str = Field("", max_length=120, description=N_("A line under the brand's name."))
    logo: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{16}\.(png|svg)$",
        description=N_("The uploaded logo's file (set by uploading one in the console)."),
    )
    languages: frozenset[str] = Field(
        frozenset(SUPPORTED), description=N_("Languages the tracking pages and messages offer.")
    )
    support: SupportContact = SupportContact()
    reply_to: str | None = Field(
        None,
        max_length=254,
        pattern=EMAIL,
        description=N_("Where replies to the brand's emails go."),
    )
    tone: Tone = Field(
        Tone.INFORMAL,
        description="How shopper pages and messages address the shopper where the language has"
        " both forms: informal (de du, es tú, nl je) or formal (Sie, usted, u). French says vous.",
    )
    retailer_webhook_url: str | None = Field(
        None,
        max_length=2000,
        description=N_("Where delivery requests and problem reports are posted (http or https)."),
    )
    retailer_webhook_secret: str | None = Field(
        None, min_length=16, description=N_("Signs the posts to retailer_webhook_url.")
    )

    _webhook = field_validator("retailer_webhook_url")(_web_address)

    @field_validator("notification_channels")
    @classmethod
    def _text_channels(cls, value: dict[Trigger, frozenset[Channel]]) -> Any:
        if any(Channel.WHATSAPP in channels for channels in value.values()):
            raise ValueError("WhatsApp is sent per template: set it under whatsapp.templates")
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(SUPPORTED))
        if unknown:
            raise ValueError(
                f"unknown language {', '.join(unknown)}: one of {', '.join(SUPPORTED)}"
            )
        if not value:
            raise ValueError("offer at least one language")
        return value


@dataclass(frozen=True)
class Refusal:
    """Why one field was refused: pydantic's error type and context (the console words it in
    the admin's language from these) and its English message (the CLI prints that)."""

    kind: str
    context: dict[str, Any]
    message: str


class InvalidSettings(ValueError):
    """A settings change refused; the message names each field and what is wrong with it."""

    def __init__(self, refusals: dict[str, Refusal]) -> None:
        self.refusals = refusals
        self.errors = {field: refusal.message for field, refusal in refusals.items()}
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))

    @classmethod
    def of(cls, error: ValidationError) -> "InvalidSettings":
        return cls(
            {
                ".".join(str(p) for p in e["loc"] if p != "[key]") or "settings": Refusal(
                    e["type"], dict(e.get("ctx") or {}), e["msg"]
                )
                for e in error.errors()
            }
        )


def validate_settings(data: dict[str, Any]) -> BrandSettings:
    try:
        return BrandSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidSettings.of(exc) from None


# Validated settings by their stored JSON: a tracking page asks a dozen times (every parcel's
# options, the cards, quiet hours), and validating them each time was a tenth of a first view.
# The models are frozen, so one may serve every caller.
_VALIDATED: dict[bytes, BrandSettings] = {}
VALIDATED_KEPT = 256


def settings_of(brand: Brand) -> BrandSettings:
    stored = brand.settings or {}
    # orjson: the standard encoder, with these options, took 4 us for empty settings
    key = orjson.dumps(stored, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    found = _VALIDATED.get(key)
    if found is None:
        found = validate_settings(stored)
        if len(_VALIDATED) >= VALIDATED_KEPT:
            _VALIDATED.clear()
        _VALIDATED[key] = found
    return found


# Text colours of the default theme that sit on the brand's colours: white on the accent
# (header, buttons), the ink and muted greys on the background, and the accent on the
# background (links). WCAG 2.1 AA wants 4.5:1 for normal text.
ON_ACCENT, INK, MUTED = "#ffffff", "#1d2329", "#5b6770"
AA_TEXT = 4.5


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _low_contrast(chosen: BrandSettings) -> dict[str, Refusal]:
    """The colour fields whose text would read below AA, each with the worst pair."""
    pairs = {
        "accent": [(ON_ACCENT, chosen.accent), (chosen.accent, chosen.background)],
        "background": [(INK, chosen.background), (MUTED, chosen.background)],
    }
    refused = {}
    for field, checks in pairs.items():
        text, behind = min(checks, key=lambda pair: contrast(*pair))
        ratio = contrast(text, behind)
        if ratio < AA_TEXT:
            context = {"ratio": f"{ratio:.2f}", "text": text, "behind": behind}
            message = f"{text} on {behind} has a contrast of {ratio:.2f}:1, below 4.5:1 (WCAG AA)"
            refused[field] = Refusal("contrast", context, message)
    if "background" in refused:
        refused.pop("accent", None)  # the background is the one to fix first
    return refused


def changed_settings(brand: Brand, changes: dict[str, Any]) -> BrandSettings:
    """The brand's settings with `changes` (top-level fields, or dotted paths into the nested
    ones: `exception_thresholds.stalled_days`) applied and checked, colours included; not saved.
    A field set to None goes back to its default."""
    data = dict(brand.settings or {})
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for name in parents:
            inner = node.get(name)
            node[name] = dict(inner) if isinstance(inner, dict) else {}
            node = node[name]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    chosen = validate_settings(data)
    refused = _low_contrast(chosen)
    if refused:
        raise InvalidSettings(refused)
    return chosen


@dataclass(frozen=True)
class FieldSpec:
    """What a form or the CLI says about one setting: its help, its bounds and its default."""

    path: str
    description: str
    default: Any
    whole: bool = False  # an integer field (hours of the day, a cap), not any number
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None


def describe(path: str) -> FieldSpec:
    """The schema's word on a (dotted) field, e.g. `business_hours.start`."""
    model: type[BaseModel] = BrandSettings
    *parents, last = path.split(".")
    for name in parents:
        annotation = model.model_fields[name].annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel), path
        model = annotation
    info = model.model_fields[last]
    bounds: dict[str, Any] = {}
    for rule in info.metadata:
        for attr, key in (("ge", "minimum"), ("gt", "minimum"), ("le", "maximum")):
            if getattr(rule, attr, None) is not None:
                bounds[key] = float(getattr(rule, attr))
        if getattr(rule, "max_length", None) is not None:
            bounds["max_length"] = rule.max_length
    default = info.get_default(call_default_factory=True)
    return FieldSpec(path, info.description or "", default, info.annotation is int, **bounds)


def fields() -> list[str]:
    """Every settable path, nested models spelled out (`business_hours.start`)."""
    found = []
    for name, info in BrandSettings.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += [f"{name}.{inner}" for inner in annotation.model_fields]
        else:
            found.append(name)
    return found


def stored(settings: BrandSettings) -> dict[str, Any]:
    """The JSON kept in `brand.settings`: only what differs from the defaults."""
    return settings.model_dump(mode="json", exclude_defaults=True)
