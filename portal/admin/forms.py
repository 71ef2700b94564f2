"""Reading console forms into settings changes, and refusals worded for the admin.

The schema (porchlight.accounts.brand_settings) says what is valid; a form only turns its text
into the values the schema reads, and shows each refusal beside the field it names."""

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData

from porchlight.accounts.brand_settings import FieldSpec, InvalidSettings, Refusal, describe

Gettext = Callable[[str], str]


def refusal_text(_: Gettext, refusal: Refusal) -> str:
    """One refusal in the admin's language; pydantic's English where we have no words."""
    ctx = {k: f"{v:g}" if isinstance(v, int | float) else v for k, v in refusal.context.items()}
    worded = {
        "greater_than_equal": lambda: _("At least %(n)s.") % {"n": ctx.get("ge")},
        "greater_than": lambda: _("More than %(n)s.") % {"n": ctx.get("gt")},
        "less_than_equal": lambda: _("At most %(n)s.") % {"n": ctx.get("le")},
        "string_too_long": lambda: _("At most %(n)s characters.") % {"n": ctx.get("max_length")},
        "string_pattern_mismatch": lambda: _("This is not in the expected form."),
        "int_parsing": lambda: _("Give a whole number."),
        "int_from_float": lambda: _("Give a whole number."),
        "float_parsing": lambda: _("Give a number."),
        "decimal_parsing": lambda: _("Give a number."),
        "contrast": lambda: (
            _("Text in %(text)s on %(behind)s has a contrast of %(ratio)s:1; WCAG AA needs 4.5:1.")
            % ctx
        ),
    }.get(refusal.kind)
    return worded() if worded else refusal.message.removeprefix("Value error, ")


def refusals(_: Gettext, exc: InvalidSettings) -> dict[str, str]:
    return {field: refusal_text(_, refusal) for field, refusal in exc.refusals.items()}


def text(form: FormData, name: str, limit: int = 2000) -> str:
    return str(form.get(name, "")).strip()[:limit]


def optional(form: FormData, name: str) -> str | None:
    """Empty means "not set" (the schema's default)."""
    return text(form, name) or None


def spec_help(_: Gettext, path: str) -> str:
    """A field's help from the schema, with its range: "Hours ... (0–720)"."""
    spec: FieldSpec = describe(path)
    words = _(spec.description)
    if spec.minimum is not None and spec.maximum is not None:
        return f"{words} ({spec.minimum:g}–{spec.maximum:g})"
    if spec.minimum is not None:
        return f"{words} (≥ {spec.minimum:g})"
    return words


def bounds(path: str) -> dict[str, Any]:
    """HTML attributes that mirror the schema's range (the server checks again)."""
    spec = describe(path)
    attrs: dict[str, Any] = {} if spec.whole else {"step": "any"}
    if spec.minimum is not None:
        attrs["min"] = f"{spec.minimum:g}"
    if spec.maximum is not None:
        attrs["max"] = f"{spec.maximum:g}"
    if spec.max_length is not None:
        attrs["maxlength"] = spec.max_length
    return attrs
