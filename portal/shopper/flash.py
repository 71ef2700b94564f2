"""Post/redirect/get for the shopper's forms: a refused form answers 303 to the page it came
from, which shows the error once (reload shows the page, never posts again; a bookmark is a
page, not a 405). What the page must show travels in the signed session cookie, tied to the
path it is for, with the status the refusal would have had (422, 429, …)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse

KEY = "flash"


def refused(
    request: Request, path: str, status: int, anchor: str = "", **shown: Any
) -> RedirectResponse:
    """303 to `path` (`#anchor`), whose next view shows `shown` with `status`."""
    request.session[KEY] = {"path": path, "status": status, "shown": shown}
    return RedirectResponse(f"{path}#{anchor}" if anchor else path, status_code=303)


def taken(request: Request) -> tuple[int, dict[str, Any]] | None:
    """(status, what to show) kept for this page by the refused form, once; None otherwise."""
    kept = request.session.pop(KEY, None)  # meant for another page: stale from now on
    if not isinstance(kept, dict) or kept.get("path") != request.url.path:
        return None
    return int(kept["status"]), dict(kept["shown"])
