"""Column widths as the models declare them, for text that comes from outside without limits."""

from tortoise.models import Model


def width(model: type[Model], field: str) -> int:
    """The most characters the column holds."""
    return int(model._meta.fields_map[field].max_length)  # type: ignore[attr-defined]


def fit(model: type[Model], field: str, value: str) -> str:
    """Free text cut to its column: carriers set no limits, the database does (an event keeps
    the whole text in its raw payload)."""
    return value[: width(model, field)]
