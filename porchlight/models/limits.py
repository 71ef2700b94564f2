"""Column widths as the models declare them, for text that comes from outside without limits."""

from tortoise.models import Model


def fit(model: type[Model], field: str, value: str) -> str:
    """Free text cut to its column: carriers set no limits, the database does (an event keeps
    the whole text in its raw payload)."""
    return value[: model._meta.fields_map[field].max_length]  # type: ignore[attr-defined]
