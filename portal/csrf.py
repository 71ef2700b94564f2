"""CSRF for every form: a per-session token, sent as the `csrf_token` field or, from htmx,
as the `X-CSRF-Token` header. A POST without the right one is refused with 403."""

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from porchlight.status_text import N_

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


async def checked_form(request: Request, max_files: int = 0) -> FormData:
    """The submitted form, only if it carries this session's token."""
    form = await request.form(max_files=max_files, max_fields=200)
    if any(isinstance(v, str) and "\x00" in v for v in form.values()):
        raise HTTPException(400, N_("The form holds a character we cannot store."))
    sent = request.headers.get(HEADER) or form.get(FIELD)
    expected = request.session.get(SESSION_KEY)
    if not (
        isinstance(sent, str)
        and expected
        and hmac.compare_digest(sent.encode(), str(expected).encode())
    ):
        raise HTTPException(403, N_("This form has expired. Reload the page and try again."))
    return form
