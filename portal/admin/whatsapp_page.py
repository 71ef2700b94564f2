"""WhatsApp: the brand turns the channel on, names its WhatsApp sender and maps each trigger to
its pre-approved template (a Content SID per language, and which message variable fills each
numbered placeholder). Triggers left empty send no WhatsApp message; the schema checks the
rest (porchlight.accounts.brand_settings.WhatsApp)."""

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import (
    WHATSAPP_VARIABLES,
    InvalidSettings,
    WhatsApp,
    changed_settings,
    settings_of,
    stored,
)
from porchlight.accounts.brands import announce_brand_change
from porchlight.enums import Trigger
from portal.admin.access import brand_of, brand_page
from portal.admin.forms import Gettext, refusals, text
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state


def _pairs(value: dict[str, str]) -> str:
    return "\n".join(f"{key}={item}" for key, item in sorted(value.items()))


def _values(chosen: WhatsApp) -> dict[str, Any]:
    """The form's text for each field, from the settings in force."""
    values: dict[str, Any] = {"enabled": chosen.enabled, "sender": chosen.sender or ""}
    for trigger, template in chosen.templates.items():
        values[f"sids.{trigger.value}"] = _pairs(template.content_sids)
        values[f"variables.{trigger.value}"] = _pairs(template.variables)
    return values


def _read_pairs(raw: str) -> dict[str, str] | None:
    """`key=value` per line (or comma-separated); None when a line is not one."""
    pairs = {}
    for line in raw.replace(",", "\n").splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            return None
        pairs[key.strip()] = value.strip()
    return pairs


def _changes(form: FormData, _: Gettext) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the `whatsapp` setting, and what could not even be read."""
    templates: dict[str, Any] = {}
    errors = {}
    for trigger in Trigger:
        sids = _read_pairs(text(form, f"sids.{trigger.value}", 2000))
        variables = _read_pairs(text(form, f"variables.{trigger.value}", 2000))
        if sids is None:
            errors[f"sids.{trigger.value}"] = _("One language per line as code=HX…, e.g. de=HX…")
        if variables is None:
            errors[f"variables.{trigger.value}"] = _(
                "One placeholder per line as number=variable, e.g. 1=order_number."
            )
        if sids:
            templates[trigger.value] = {"content_sids": sids, "variables": variables or {}}
    setting = {
        "enabled": form.get("enabled") == "1",
        "sender": text(form, "sender", 32) or None,
        "templates": templates,
    }
    return {"whatsapp": setting}, errors


def _placed(errors: dict[str, str]) -> dict[str, str]:
    """Each refusal beside its field: `whatsapp.templates.delivered.content_sids.de` on the
    delivered row's Content SIDs."""
    placed: dict[str, str] = {}
    for path, message in errors.items():
        parts = path.split(".")
        if parts[:2] == ["whatsapp", "templates"] and len(parts) > 3:
            kind = "sids" if parts[3] == "content_sids" else "variables"
            placed.setdefault(f"{kind}.{parts[2]}", message)
        elif parts[:2] == ["whatsapp", "sender"]:
            placed.setdefault("sender", message)
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
    context = {
        "values": values,
        "errors": errors or {},
        "triggers": list(Trigger),
        "variables": sorted(WHATSAPP_VARIABLES),
        "saved": saved,
    }
    return await admin_render(
        request, "admin/whatsapp.html", context, section="whatsapp", status=status
    )


@brand_page
async def show(request: Request) -> Response:
    _ = translator(request, None)
    saved = _("Saved.") if request.query_params.get("done") == "saved" else ""
    return await _page(request, _values(settings_of(brand_of(request)).whatsapp), saved=saved)


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
            errors = _placed(refusals(_, exc))
    if chosen is None:
        shown: dict[str, Any] = {k: text(form, k, 2000) for k in form if k != "csrf_token"}
        shown["enabled"] = form.get("enabled") == "1"
        return await _page(request, shown, errors, status=400)
    before = stored(settings_of(brand))
    brand.settings = stored(chosen)
    async with in_transaction():
        await brand.save(update_fields=["settings"])
        await record("settings.update", brand=brand, agent=agent_of(request),
                     subject="whatsapp", before=before, after=brand.settings)  # fmt: skip
    await announce_brand_change(app_state(request).arq)
    return RedirectResponse(f"/admin/brands/{brand.slug}/whatsapp?done=saved", 303)


routes = [
    Route("/admin/brands/{slug}/whatsapp", show, methods=["GET"]),
    Route("/admin/brands/{slug}/whatsapp", save, methods=["POST"]),
]
