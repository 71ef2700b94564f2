"""Look: theme, logo, colours and tagline, with the tracking page and an email previewed beside
the form as they would look. Colours whose text would read below WCAG AA are refused. A saved
change shows on the shopper's next page in every portal process (brands.announce_brand_change)."""

import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import (
    INK,
    MUTED,
    ON_ACCENT,
    InvalidSettings,
    changed_settings,
    contrast,
    settings_of,
    stored,
)
from porchlight.accounts.brands import announce_brand_change
from porchlight.accounts.logos import MAX_LOGO_BYTES, LogoError, checked_logo, store_logo
from porchlight.enums import Trigger
from porchlight.models import Brand
from porchlight.notifications.messages import render_message, sample_context
from porchlight.platform.i18n import N_
from porchlight.tracking.templating import THEMES_DIR
from portal.admin.access import brand_of, brand_page
from portal.admin.forms import refusals, spec_help, text
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.body import FORM_LIMIT
from portal.brand_assets import LOGO_DIR
from portal.csrf import checked_form
from portal.rendering import render, request_locale, translator
from portal.security import CSP
from portal.state import app_state

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_BODY_LIMIT = MAX_LOGO_BYTES + FORM_LIMIT
# Previews are framed by the console's own pages, and nowhere else.
FRAMED_BY_US = {
    "Content-Security-Policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
}
# An email is styled inline (mail clients drop stylesheets) and shows no script.
EMAIL_PREVIEW = {
    **FRAMED_BY_US,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'self'",
}


def themes() -> list[str]:
    return sorted(p.name for p in THEMES_DIR.iterdir() if (p / "templates").is_dir())


def _current(brand: Brand) -> dict[str, Any]:
    chosen = settings_of(brand)
    return {
        "theme": brand.theme,
        "accent": chosen.accent,
        "background": chosen.background,
        "tagline": chosen.tagline,
    }


def _draft(request: Request, values: dict[str, str]) -> Brand:
    """The brand as the form would make it, for the previews only (never saved); a value the
    form cannot hold yet (half-typed) keeps the saved one."""
    brand = brand_of(request)
    draft = copy.copy(brand)
    if values.get("theme") in themes():
        draft.theme = values["theme"]
    changes = {k: values[k] for k in ("accent", "background") if COLOUR.match(values.get(k, ""))}
    changes["tagline"] = values.get("tagline", "")[:120]
    merged = dict(brand.settings or {})
    merged.update({k: v.lower() if k != "tagline" else v for k, v in changes.items()})
    draft.settings = merged
    return draft


def _ratios(values: dict[str, str]) -> list[tuple[str, float]]:
    accent = values["accent"] if COLOUR.match(values["accent"]) else "#000000"
    background = values["background"] if COLOUR.match(values["background"]) else "#ffffff"
    return [
        ("accent", contrast(ON_ACCENT, accent)),
        ("links", contrast(accent, background)),
        ("text", contrast(INK, background)),
        ("muted", contrast(MUTED, background)),
    ]


def _preview_context(request: Request, values: dict[str, str]) -> dict[str, Any]:
    base = f"/admin/brands/{brand_of(request).slug}/look/preview"
    query = urlencode({k: values.get(k, "") for k in ("theme", "accent", "background", "tagline")})
    return {
        "page_url": f"{base}/page?{query}",
        "email_url": f"{base}/email?{query}",
        "ratios": _ratios(values),
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
    chosen = settings_of(brand_of(request))
    context = {
        "values": values,
        "errors": errors or {},
        "themes": [(t, t.capitalize()) for t in themes()],
        "logo": f"/brand-logo/{chosen.logo}" if chosen.logo else None,
        "help": {p: spec_help(_, p) for p in ("accent", "background", "tagline")},
        "saved": saved,
        **_preview_context(request, values),
    }
    return await admin_render(request, "admin/look.html", context, section="look", status=status)


@brand_page
async def show(request: Request) -> Response:
    _ = translator(request, None)
    done = request.query_params.get("done", "")
    saved = {
        "saved": _("Saved. Shoppers see it on their next page view."),
        "logo": _("Logo saved."),
    }.get(done, "")
    return await _page(request, _current(brand_of(request)), saved=saved)


@brand_page
async def preview(request: Request) -> Response:
    """The two previews for the values in the form, as it is being edited (htmx)."""
    values = {
        k: request.query_params.get(k, "") for k in ("theme", "accent", "background", "tagline")
    }
    return await admin_render(
        request, "admin/_look_preview.html", _preview_context(request, values)
    )


def _query_values(request: Request) -> dict[str, str]:
    return {
        k: request.query_params.get(k, "")[:200]
        for k in ("theme", "accent", "background", "tagline")
    }


@brand_page
async def preview_page(request: Request) -> Response:
    """The brand's lookup page with the draft look, as a shopper would see it."""
    draft = _draft(request, _query_values(request))
    context: dict[str, Any] = {"form": {}, "error": None, "preview": True}  # no scripts
    return render(request, draft, "track.html", context, headers=FRAMED_BY_US)


@brand_page
async def preview_email(request: Request) -> Response:
    """The out-for-delivery email with the draft look, in the console's language."""
    draft = _draft(request, _query_values(request))
    locale = request_locale(request, None)
    url = f"{app_state(request).settings.public_base_url}/o/sample"
    message = render_message(
        Trigger.OUT_FOR_DELIVERY, draft.theme, locale, sample_context(draft, locale, url)
    )
    return HTMLResponse(message.html, headers=EMAIL_PREVIEW)


@brand_page
async def save(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    values = {
        "theme": text(form, "theme", 64),
        "accent": text(form, "accent", 16).lower(),
        "background": text(form, "background", 16).lower(),
        "tagline": text(form, "tagline", 500),
    }
    errors = {}
    if values["theme"] not in themes():
        errors["theme"] = _("Choose a theme from the list.")
    try:
        chosen = changed_settings(
            brand, {k: values[k] for k in ("accent", "background", "tagline")}
        )
    except InvalidSettings as exc:
        errors |= refusals(_, exc)
    if errors:
        return await _page(request, values, errors, status=400)
    before = _current(brand)
    brand.theme = values["theme"]
    brand.settings = stored(chosen)
    async with in_transaction():
        await brand.save(update_fields=["theme", "settings"])
        await record(
            "look.update",
            brand=brand,
            agent=agent_of(request),
            subject=f"brand:{brand.slug}",
            before=before,
            after=_current(brand),
        )
    await announce_brand_change(app_state(request).arq)
    return RedirectResponse(f"/admin/brands/{brand.slug}/look?done=saved", 303)


@brand_page
async def logo(request: Request) -> Response:
    """Upload a logo (PNG or SVG, checked and rebuilt) or, with `remove`, go back to the theme's."""
    form = await checked_form(request, max_files=1)
    _ = translator(request, None)
    brand = brand_of(request)
    upload = form.get("logo")
    name = None
    if not form.get("remove"):
        data = await upload.read(MAX_LOGO_BYTES + 1) if isinstance(upload, UploadFile) else b""
        await form.close()
        try:
            if not data:
                raise LogoError(N_("Choose a PNG or SVG file."))
            kept, extension = await to_thread.run_sync(checked_logo, data)
        except LogoError as exc:
            error = _(exc.message) % exc.params
            return await _page(request, _current(brand), {"logo": error}, status=400)
        directory = Path(app_state(request).settings.upload_dir) / LOGO_DIR
        name = await to_thread.run_sync(store_logo, directory, kept, extension)
    before = settings_of(brand).logo
    brand.settings = stored(changed_settings(brand, {"logo": name}))
    async with in_transaction():
        await brand.save(update_fields=["settings"])
        await record(
            "logo.upload",
            brand=brand,
            agent=agent_of(request),
            subject=f"brand:{brand.slug}",
            before={"logo": before},
            after={"logo": name},
        )
    await announce_brand_change(app_state(request).arq)
    return RedirectResponse(f"/admin/brands/{brand.slug}/look?done=logo", 303)


upload_routes = [Route("/admin/brands/{slug}/look/logo", logo, methods=["POST"])]
routes = [
    Route("/admin/brands/{slug}/look", show, methods=["GET"]),
    Route("/admin/brands/{slug}/look", save, methods=["POST"]),
    Route("/admin/brands/{slug}/look/preview", preview, methods=["GET"]),
    Route("/admin/brands/{slug}/look/preview/page", preview_page, methods=["GET"]),
    Route("/admin/brands/{slug}/look/preview/email", preview_email, methods=["GET"]),
    *upload_routes,
]
