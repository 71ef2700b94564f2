"""The console's front page: the brands the agent administers, and for owners a new brand."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.accounts.audit import record
from porchlight.accounts.brands import (
    BrandError,
    announce_brand_change,
    create_brand,
    hosts_of,
)
from porchlight.platform import i18n
from portal.admin.access import console_page, owner_page
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state


@console_page
async def home(request: Request) -> Response:
    return await admin_render(request, "admin/home.html", {"form": {}, "errors": {}})


@owner_page
async def new_brand(request: Request) -> Response:
    """An owner creates a brand on one host; the rest is set on its pages."""
    form = await checked_form(request)
    _ = translator(request, None)
    slug = str(form.get("slug", "")).strip().lower()
    name = str(form.get("name", "")).strip()
    host = str(form.get("host", "")).strip()
    locale = i18n.supported(str(form.get("default_locale", ""))) or i18n.DEFAULT
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = _("Give the brand a name of at most 200 characters.")
    if not host or len(host) > 253:
        errors["host"] = _("Give the host name shoppers will use, e.g. track.example.com.")
    if not errors:
        try:
            brand = await create_brand(slug, name, [host], locale=locale)
        except BrandError as exc:
            errors[exc.field] = _(exc.message) % exc.params
        else:
            await record(
                "brand.create",
                brand=brand,
                agent=agent_of(request),
                subject=f"brand:{brand.slug}",
                after={"slug": brand.slug, "name": brand.name, "hosts": await hosts_of(brand)},
            )
            await announce_brand_change(app_state(request).arq)  # its host may be kept as unknown
            return RedirectResponse(f"/admin/brands/{brand.slug}/brand", 303)
    context = {"form": {"slug": slug, "name": name, "host": host, "locale": locale}}
    return await admin_render(request, "admin/home.html", {**context, "errors": errors}, status=400)


routes = [
    Route("/admin", home, methods=["GET"]),
    Route("/admin/", home, methods=["GET"]),
    Route("/admin/brands", new_brand, methods=["POST"]),
]
