"""The local outbox, browsable: what the demo (or any install without providers) would have
sent. Mounted only while a channel writes to the outbox."""

import json
import re

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from portal.rendering import render
from portal.state import app_state

STEM = re.compile(r"^[0-9a-z-]{1,80}-(email|sms)$")
# The stored email is shown as sent: inline styles allowed, nothing else, no scripts.
EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
SHOWN = 200


async def outbox(request: Request) -> Response:
    directory = anyio.Path(app_state(request).settings.outbox_dir)
    messages = []
    if await directory.is_dir():
        names = sorted([p.name async for p in directory.glob("*.json")], reverse=True)
        for name in names[:SHOWN]:
            record = json.loads(await (directory / name).read_text())
            stem = name.removesuffix(".json")
            messages.append({**record, "stem": stem, "channel": stem.rsplit("-", 1)[1]})
    return render(
        request,
        None,
        "outbox.html",
        {"messages": messages, "directory": str(directory)},
        headers={"Cache-Control": "no-store"},
    )


async def outbox_email(request: Request) -> Response:
    stem = request.path_params["stem"]
    path = anyio.Path(app_state(request).settings.outbox_dir) / f"{stem}.html"
    if not STEM.match(stem) or not await path.is_file():
        raise HTTPException(404)
    return HTMLResponse(await path.read_text(), headers={"Content-Security-Policy": EMAIL_CSP})


routes = [
    Route("/outbox", outbox, methods=["GET"]),
    Route("/outbox/{stem:str}", outbox_email, methods=["GET"]),
]
