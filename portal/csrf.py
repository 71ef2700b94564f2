"""CSRF for every form: a token sent as the `csrf_token` field or, from htmx, as the
`X-CSRF-Token` header. A POST without the right one is refused with 403, and a file is never
stored for a request that has not shown it.

The token is the session's own, except on a tracking page (`/o/<link>`), whose forms carry the
link's: an HMAC of the link under SECRET_KEY. That page then sets no cookie and is the same for
every visitor (kept, and answered 304 by its ETag). It guards what a session token guarded there:
the page's forms act on the link, not on anything a cookie grants, so a forged request needs
the link, and whoever has it can read the token from the page anyway. What the session token
also stopped, another site making a visitor's browser post with a token it read (to spend the
shopper's texts from many addresses), `Sec-Fetch-Site` stops: a link token is refused from
another site. Browsers too old to send it send the token from the page only.
"""

import base64
import hashlib
import hmac
import secrets

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from porchlight.tracking.status_text import N_
from portal.state import app_state

SESSION_KEY = "csrf"
# Pages are rendered with this in place of the token, which goes in on the way out: one
# rendering can be kept and shown to every visitor. Unguessable, so no text can hold it.
SLOT = secrets.token_hex(16)
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return str(token)


def link_token(request: Request, link: str) -> str:
    """The token of the forms on the tracking page of the order link `link`."""
    secret = app_state(request).settings.secret_key.get_secret_value().encode()
    digest = hmac.new(secret, b"order-forms:" + link.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _link_of(request: Request) -> str | None:
    """The order link a form under `/o/<link>/…` was posted to; None elsewhere."""
    link = request.path_params.get("token")
    if isinstance(link, str) and request.url.path.startswith(f"/o/{link}/"):
        return link
    return None


def _expected(request: Request) -> tuple[str, ...]:
    """The tokens this request may show: its session's, and a tracking page's unless the
    browser says another site sent it."""
    session = str(request.session.get(SESSION_KEY, ""))
    link = _link_of(request)
    if link is None or request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return (session,)
    return (session, link_token(request, link))


EXPIRED = N_("This form has expired. Reload the page and try again.")
MAX_FIELDS = 200


def _matches(sent: object, expected: tuple[str, ...]) -> bool:
    return isinstance(sent, str) and any(
        token and hmac.compare_digest(sent.encode(), token.encode()) for token in expected
    )


class _TokenBeforeFiles(MultiPartParser):
    """Starlette's multipart parser, refusing (403) a file part that comes before a valid
    token field: nothing is spooled to memory or disk for a request that lacks it. Browsers
    send fields in the form's order, and every form puts its token first."""

    def __init__(self, request: Request, expected: tuple[str, ...], max_files: int) -> None:
        super().__init__(
            request.headers, request.stream(), max_files=max_files, max_fields=MAX_FIELDS
        )
        self.expected = expected
        self.verified = False

    def on_part_end(self) -> None:
        super().on_part_end()
        name, value = self.items[-1]
        if name == FIELD and not self.verified:
            self.verified = _matches(value, self.expected)

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        if self._current_part.file is not None and not self.verified:
            raise HTTPException(403, EXPIRED)


async def checked_form(request: Request, max_files: int = 0) -> FormData:
    """The submitted form, only if it carries this session's token: in the header (checked
    before the body is read), or as a field before any file."""
    expected = _expected(request)
    header = request.headers.get(HEADER)
    if header is not None and not _matches(header, expected):
        raise HTTPException(403, EXPIRED)
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    if content_type == b"multipart/form-data" and header is None:
        try:
            form = await _TokenBeforeFiles(request, expected, max_files).parse()
        except MultiPartException as exc:
            raise HTTPException(400, exc.message) from None
    else:
        form = await request.form(max_files=max_files, max_fields=MAX_FIELDS)
    if any(isinstance(v, str) and "\x00" in v for v in form.values()):
        await form.close()
        raise HTTPException(400, N_("The form holds a character we cannot store."))
    if header is None and not _matches(form.get(FIELD), expected):
        await form.close()
        raise HTTPException(403, EXPIRED)
    return form
