"""A brand's look as files browsers keep: its colours as a stylesheet and its uploaded logo,
each under a URL that names its content. A saved change is a new URL in the next page, so a
year-long cache never shows an old look, and serving them needs no brand lookup."""

import re
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from porchlight.accounts.brand_settings import (
    INK,
    MUTED,
    ON_ACCENT,
    SupportContact,
    settings_of,
    stored,
)
from porchlight.models import Brand
from portal.assets import FOREVER
from portal.state import app_state

HEX = re.compile(r"^[0-9a-f]{6}$")
LOGO = re.compile(r"^[0-9a-f]{16}\.(png|svg)$")
LOGO_DIR = "logos"  # inside UPLOAD_DIR, which every portal process shares
# An SVG opened directly (not through <img>) still runs nothing and loads nothing.
LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class Look:
    """What the shopper's pages show of the brand beyond its theme."""

    colours: str | None  # stylesheet URL, when the brand chose its own colours
    logo: str | None
    tagline: str
    support: SupportContact

    @property
    def has_support(self) -> bool:
        return bool(self.support.email or self.support.phone or self.support.url)


def look_of(brand: Brand) -> Look:
    chosen = settings_of(brand)
    own = stored(chosen)
    colours = None
    if "accent" in own or "background" in own:  # else the theme's palette stays
        colours = colours_url(chosen.accent, chosen.background)
    logo = f"/brand-logo/{chosen.logo}" if chosen.logo else None
    return Look(colours, logo, chosen.tagline, chosen.support)


def colours_url(accent: str, background: str) -> str:
    return f"/brand-colours.css?accent={accent[1:].lower()}&background={background[1:].lower()}"


async def colours(request: Request) -> Response:
    accent = request.query_params.get("accent", "")
    background = request.query_params.get("background", "")
    if not HEX.match(accent) or not HEX.match(background):
        raise HTTPException(404)
    css = (
        f":root {{ --accent: #{accent}; --accent-contrast: {ON_ACCENT}; "
        f"--page: #{background}; --ink: {INK}; --muted: {MUTED}; }}\n"
        "a { color: var(--accent); }\n"
    )
    return Response(css, media_type="text/css", headers={"Cache-Control": FOREVER})


async def logo(request: Request) -> Response:
    name = request.path_params["name"]
    path = Path(app_state(request).settings.upload_dir) / LOGO_DIR / name
    if not LOGO.match(name) or not path.is_file():
        raise HTTPException(404)
    media = "image/svg+xml" if name.endswith(".svg") else "image/png"
    headers = {"Cache-Control": FOREVER, "Content-Security-Policy": LOGO_CSP}
    return FileResponse(path, media_type=media, headers=headers)


routes = [
    Route("/brand-colours.css", colours, methods=["GET"]),
    Route("/brand-logo/{name}", logo, methods=["GET"]),
]
