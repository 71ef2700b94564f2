"""Brand: its name, the hosts that serve it, languages, time zone, support contact and the
sender of its emails."""

import re
from typing import Any
from zoneinfo import available_timezones

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import (
    EMAIL,
    InvalidSettings,
    changed_settings,
    settings_of,
    stored,
)
from porchlight.accounts.brands import (
    BrandError,
    add_host,
    announce_brand_change,
    hosts_of,
    remove_host,
)
from porchlight.models import Brand
from portal.admin.access import brand_of, brand_page
from portal.admin.forms import optional, refusals, spec_help, text
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

ZONES = sorted(available_timezones())
ZONE_OPTIONS = [(zone, zone) for zone in ZONES]
EMAIL_RE = re.compile(EMAIL)
SETTINGS = ("languages", "support.email", "support.phone", "support.url", "reply_to")


def _current(brand: Brand) -> dict[str, Any]:
    """What the form shows and the audit compares: one flat value per field."""
    chosen = settings_of(brand)
    return {
        "name": brand.name,
        "default_locale": brand.default_locale,
        "time_zone": brand.time_zone,
        "email_from": brand.email_from,
        "languages": sorted(chosen.languages),
        "support.email": chosen.support.email,
        "support.phone": chosen.support.phone,
        "support.url": chosen.support.url,
        "reply_to": chosen.reply_to,
    }


async def _page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    saved: str = "",
) -> Response:
    _ = translator(request, None)
    context = {
        "values": values,
        "errors": errors or {},
        "hosts": await hosts_of(brand_of(request)),
        "zones": ZONE_OPTIONS,
        "help": {path: spec_help(_, path) for path in SETTINGS},
        "saved": saved,
    }
    return await admin_render(request, "admin/brand.html", context, section="brand", status=status)


@brand_page
async def show(request: Request) -> Response:
    _ = translator(request, None)
    saved = {"saved": _("Saved."), "host": _("Hosts updated.")}.get(
        request.query_params.get("done", ""), ""
    )
    return await _page(request, _current(brand_of(request)), saved=saved)


@brand_page
async def save(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    wanted: dict[str, Any] = {
        "name": text(form, "name", 200),
        "default_locale": text(form, "default_locale"),
        "time_zone": text(form, "time_zone"),
        "email_from": optional(form, "email_from"),
        "languages": sorted(str(v) for v in form.getlist("languages")),
        **{path: optional(form, path) for path in SETTINGS if path != "languages"},
    }
    errors = {}
    if not wanted["name"]:
        errors["name"] = _("Give the brand a name.")
    if wanted["time_zone"] not in ZONES:
        errors["time_zone"] = _("Choose a time zone from the list.")
    if wanted["email_from"] and not EMAIL_RE.match(wanted["email_from"]):
        errors["email_from"] = _("This is not in the expected form.")
    if wanted["default_locale"] not in wanted["languages"]:
        errors["default_locale"] = _("The default language must be one of the languages offered.")
    try:
        chosen = changed_settings(brand, {path: wanted[path] for path in SETTINGS})
    except InvalidSettings as exc:
        errors |= refusals(_, exc)
    if errors:
        return await _page(request, wanted, errors, status=400)
    before = _current(brand)
    brand.update_from_dict({k: wanted[k] for k in ("name", "default_locale", "time_zone")})
    brand.email_from = wanted["email_from"]
    brand.settings = stored(chosen)
    async with in_transaction():
        await brand.save()
        await record(
            "brand.update",
            brand=brand,
            agent=agent_of(request),
            subject=f"brand:{brand.slug}",
            before=before,
            after=_current(brand),
        )
    await announce_brand_change(app_state(request).arq)
    return RedirectResponse(f"/admin/brands/{brand.slug}/brand?done=saved", 303)


@brand_page
async def hosts(request: Request) -> Response:
    """Add (`add`) or remove (`remove`) one host."""
    form = await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    adding = text(form, "add", 300)
    before = await hosts_of(brand)
    try:
        host = (
            await add_host(brand, adding)
            if adding
            else await remove_host(brand, text(form, "remove", 300))
        )
    except BrandError as exc:
        error = _(exc.message) % exc.params
        return await _page(request, _current(brand), {"add": error}, status=400)
    await record(
        "host.add" if adding else "host.remove",
        brand=brand,
        agent=agent_of(request),
        subject=f"host:{host}",
        before={"hosts": before},
        after={"hosts": await hosts_of(brand)},
    )
    await announce_brand_change(app_state(request).arq)
    return RedirectResponse(f"/admin/brands/{brand.slug}/brand?done=host", 303)


routes = [
    Route("/admin/brands/{slug}/brand", show, methods=["GET"]),
    Route("/admin/brands/{slug}/brand", save, methods=["POST"]),
    Route("/admin/brands/{slug}/brand/hosts", hosts, methods=["POST"]),
]
