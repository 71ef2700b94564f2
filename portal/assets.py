"""Stylesheets, scripts and logos under URLs that carry their content's version (`?v=`).

Browsers keep a versioned file for a year without asking again, so a shopper checking their
parcel at peak costs one request per view, whatever the files' age (left to guess from it,
Chromium revalidated all four on every view while they were freshly deployed). A process
reads each version once, as it keeps rendered pages: after a deploy or a theme edit, restarted
processes link changed files (a retailer's new logo) under new URLs, shown at once. Anything
else (an old or missing version) is served with `no-cache`: the browser revalidates it.
"""

import hashlib
from functools import cache
from pathlib import Path

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from porchlight.tracking.templating import THEMES_DIR

STATIC_DIR = Path(__file__).resolve().parent / "static"
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@cache
def version(file: Path) -> str | None:
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    except OSError:
        return None


class Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = QueryParams(scope["query_string"]).get("v")
            current = version(Path(str(self.directory)) / path)
            fresh = asked is not None and asked == current
            response.headers["Cache-Control"] = FOREVER if fresh else REVALIDATE
        return response


def _mounts() -> dict[str, Path]:
    """URL prefix → folder: vendored assets, and each theme's static folder (its templates
    stay private)."""
    mounts = {"/static": STATIC_DIR}
    for theme in sorted(p for p in THEMES_DIR.iterdir() if (p / "static").is_dir()):
        mounts[f"/theme/{theme.name}"] = theme / "static"
    return mounts


MOUNTS = _mounts()


def asset_url(url: str) -> str:
    """`/theme/fjord/theme.css` → `/theme/fjord/theme.css?v=<its version>` (unversioned when
    there is no such file: the request will be a 404 either way)."""
    for mount, folder in MOUNTS.items():
        if url.startswith(mount + "/"):
            current = version(folder / url.removeprefix(mount + "/"))
            return f"{url}?v={current}" if current else url
    return url


def static_routes() -> list[BaseRoute]:
    return [
        Mount(mount, Assets(directory=folder, check_dir=mount != "/static"))
        for mount, folder in MOUNTS.items()
    ]
