"""Operations: when a quiet parcel becomes a case, how long agents have to act on each type,
the business hours and holidays those clocks run in, the high-value mark, the delivery
changes shoppers may ask for, with their cut-off, and whether a low rating asks for a call-back.
Every field is the schema's, with its help and range; an empty field goes back to the default."""

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import (
    BrandSettings,
    InvalidSettings,
    changed_settings,
    settings_of,
    stored,
)
from porchlight.accounts.brands import announce_brand_change
from porchlight.cases.cases import FIRST_ACTION_SLA
from porchlight.enums import ExceptionType
from portal.admin.access import brand_of, brand_page
from portal.admin.forms import Gettext, bounds, optional, refusals, spec_help, text
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

NUMBERS = (
    "exception_thresholds.no_first_scan_hours",
    "exception_thresholds.stalled_days",
    "business_hours.start",
    "business_hours.end",
    "high_value_amount",
    "activation_hours",
    "delivery_options.cutoff_hours",
)
OPTIONS = ("choose_date", "pickup_point", "reroute")
LISTS = ("exception_thresholds.stalled_days_by_carrier", "business_hours.holidays")


def _values(chosen: BrandSettings) -> dict[str, Any]:
    """The form's text for each field, from the settings in force."""
    values: dict[str, Any] = {}
    for path in NUMBERS:
        value: Any = chosen
        for name in path.split("."):
            value = getattr(value, name)
        values[path] = f"{value:g}" if isinstance(value, float) else str(value)
    by_carrier = chosen.exception_thresholds.stalled_days_by_carrier
    values[LISTS[0]] = "\n".join(f"{code}={days:g}" for code, days in sorted(by_carrier.items()))
    values[LISTS[1]] = "\n".join(d.isoformat() for d in sorted(chosen.business_hours.holidays))
    values["business_hours.days"] = sorted(chosen.business_hours.days)
    values["delivery_options"] = chosen.delivery_options.enabled()
    values["after_delivery"] = ["low_rating_callback"] if chosen.low_rating_callback else []
    values.update({f"sla_hours.{t.value}": f"{h:g}" for t, h in chosen.sla_hours.items()})
    return values


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


def _changes(form: FormData, _: Gettext) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as schema paths and values (numbers left as text: the schema reads them), and
    what could not even be read."""
    changes: dict[str, Any] = {path: optional(form, path) for path in NUMBERS}
    errors = {}
    carriers: dict[str, str] = {}
    for line in _lines(text(form, LISTS[0], 4000)):
        code, sep, days = line.partition("=")
        if not sep or not code.strip():
            errors[LISTS[0]] = _("Write one carrier per line as code=days, e.g. dhl=2.")
        carriers[code.strip()] = days.strip()
    changes[LISTS[0]] = carriers
    holidays = []
    for line in _lines(text(form, LISTS[1], 8000)):
        try:
            holidays.append(date.fromisoformat(line).isoformat())
        except ValueError:
            errors[LISTS[1]] = _("Write one date per line as YYYY-MM-DD; %(line)s is not one.") % {
                "line": line[:20]
            }
    changes[LISTS[1]] = sorted(set(holidays))
    changes["business_hours.days"] = _days(form)
    for kind in OPTIONS:
        changes[f"delivery_options.{kind}"] = kind in form.getlist("delivery_options")
    changes["low_rating_callback"] = "low_rating_callback" in form.getlist("after_delivery")
    changes["sla_hours"] = {
        t.value: optional(form, f"sla_hours.{t.value}")
        for t in ExceptionType
        if optional(form, f"sla_hours.{t.value}")
    }
    return changes, errors


def _days(form: FormData) -> list[int]:
    return sorted({int(str(d)) for d in form.getlist("days") if str(d) in set("0123456")})


def _placed(errors: dict[str, str]) -> dict[str, str]:
    """Each refusal on the field the form shows: `business_hours.holidays.2` on the holidays,
    a whole-model rule (`business_hours`) on its group."""
    placed: dict[str, str] = {}
    for path, message in errors.items():
        for field in (*NUMBERS, *LISTS, "business_hours.days", "sla_hours", "business_hours"):
            if path == field or path.startswith(field + "."):
                key = path if field == "sla_hours" else field
                placed.setdefault(key, message)
                break
        else:
            placed.setdefault("form", message)
    return placed


async def _page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    saved: str = "",
) -> Response:
    _ = translator(request, None)
    paths = (*NUMBERS, *LISTS, "business_hours.days")
    defaults = {
        t.value: _("same business day") if sla.same_day else _("%(n)s h") % {"n": sla.hours}
        for t, sla in FIRST_ACTION_SLA.items()
    }
    context = {
        "values": values,
        "errors": errors or {},
        "help": {p: spec_help(_, p) for p in paths},
        "bounds": {p: bounds(p) for p in NUMBERS},
        "sla_types": [(t.value, defaults.get(t.value, "")) for t in ExceptionType],
        "weekdays": [(str(i), name) for i, name in enumerate(_weekdays(_))],
        "options": OPTIONS,
        "saved": saved,
    }
    return await admin_render(
        request, "admin/operations.html", context, section="operations", status=status
    )


def _weekdays(_: Gettext) -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday")]  # fmt: skip


@brand_page
async def show(request: Request) -> Response:
    _ = translator(request, None)
    saved = _("Saved.") if request.query_params.get("done") == "saved" else ""
    return await _page(request, _values(settings_of(brand_of(request))), saved=saved)


@brand_page
async def save(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    changes, errors = _changes(form, _)
    chosen = None
    if not errors:
        try:
            chosen = changed_settings(brand, changes)
        except InvalidSettings as exc:
            errors = refusals(_, exc)
    if chosen is None:
        shown: dict[str, Any] = {k: text(form, k, 8000) for k in (*NUMBERS, *LISTS)}
        shown["business_hours.days"] = _days(form)
        shown["delivery_options"] = [str(o) for o in form.getlist("delivery_options")]
        shown["after_delivery"] = [str(o) for o in form.getlist("after_delivery")]
        shown |= {f"sla_hours.{t.value}": text(form, f"sla_hours.{t.value}") for t in ExceptionType}
        return await _page(request, shown, _placed(errors), status=400)
    before = stored(settings_of(brand))
    brand.settings = stored(chosen)
    async with in_transaction():
        await brand.save(update_fields=["settings"])
        await record("settings.update", brand=brand, agent=agent_of(request),
                     subject="operations", before=before, after=brand.settings)  # fmt: skip
    await announce_brand_change(app_state(request).arq)
    return RedirectResponse(f"/admin/brands/{brand.slug}/operations?done=saved", 303)


routes = [
    Route("/admin/brands/{slug}/operations", show, methods=["GET"]),
    Route("/admin/brands/{slug}/operations", save, methods=["POST"]),
]
