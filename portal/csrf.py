"""CSRF for every form: a per-session token, sent as the `csrf_token` field or, from htmx,
as the `X-CSRF-Token` header. A POST without the right one is refused with 403, and a file
is never stored for a request that has not shown it."""

import hmac
import secrets

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from porchlight.tracking.status_text import N_

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


EXPIRED = N_("This form has expired. Reload the page and try again.")
MAX_FIELDS = 200


def _matches(sent: object, expected: str) -> bool:
    return (
        isinstance(sent, str)
        and bool(expected)
        and hmac.compare_digest(sent.encode(), expected.encode())
    )


class _TokenBeforeFiles(MultiPartParser):
    """Starlette's multipart parser, refusing (403) a file part that comes before a valid
    token field: nothing is spooled to memory or disk for a request that lacks it. Browsers
    send fields in the form's order, and every form puts its token first."""

    def __init__(self, request: Request, expected: str, max_files: int) -> None:
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
    expected = str(request.session.get(SESSION_KEY, ""))
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
