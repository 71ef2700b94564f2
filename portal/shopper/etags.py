"""ETags for tracking pages: a repeat view whose order has not changed is a 304, one indexed
SELECT and no rendering, however many parcels and scans the page shows.

The tag digests what the page is kept under (`order_page._key`: the order's `version`, raised
on any write to what its page shows, the brand's row, the language, the page's parameters) and
this release's templates, translations, assets and code, so a deploy that changes how a page
looks is never answered "not modified" for a page the browser holds from before it.
"""

import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from porchlight.platform.i18n import LOCALES_DIR
from porchlight.tracking.templating import THEMES_DIR
from portal.rendering import keep_language

ROOT = Path(__file__).resolve().parents[2]


def _release() -> bytes:
    """One digest of every file a page is made from, the same in every process of a deploy."""
    digest = hashlib.blake2b(digest_size=16)
    folders = [THEMES_DIR, LOCALES_DIR, ROOT / "portal", ROOT / "porchlight"]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.digest()


RELEASE = _release()


def etag(key: tuple[object, ...]) -> str:
    return f'"{hashlib.blake2b(repr(key).encode(), key=RELEASE, digest_size=16).hexdigest()}"'


def unchanged(request: Request, tag: str) -> bool:
    """The browser holds this very page (If-None-Match names its tag, weakly or not, or `*`)."""
    held = request.headers.get("if-none-match")
    if held is None:
        return False
    return any(t.strip().removeprefix("W/") in (tag, "*") for t in held.split(","))


def not_modified(request: Request, tag: str, headers: dict[str, str]) -> Response:
    response = Response(status_code=304, headers={**headers, "ETag": tag})
    keep_language(request, response)
    return response
