"""One structured log line per request, tagged with a request id (taken from X-Request-ID when a
proxy set one), echoed back in the response so a shopper's complaint can be traced. With
REQUEST_LOG_SAMPLE below 1, only that share of the successful GETs (2xx, and 304: a repeat view
answered from its ETag) is logged, most of a busy portal's lines and the least telling; every
other request always is."""

import itertools
import logging
import os
import random
import re
import secrets

from prometheus_client import Histogram
from starlette.types import Scope

from porchlight.platform.logs import info_line
from porchlight.platform.metrics import REQUEST_SECONDS

log = logging.getLogger("porchlight.request")
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# The segment after `o/`, `unsubscribe/`, `rate/` or `welcome/` (an invitation) is a link's secret,
# wherever the path puts it: a mistyped link (`/o/<token>/nope`, `/o/<token>/`) matches no route
# and must not leak it either.
SECRET_AFTER = frozenset(("o", "unsubscribe", "rate", "welcome"))


def _loggable_path(scope: Scope) -> str:
    """The path without the secret of an order, unsubscribe or rating link, which lets anyone
    who reads the logs open the shopper's page. Never the query string either. (Segment by
    segment: a fifth of what a regular expression over the whole path cost on every line.)"""
    parts = scope["path"].split("/")
    i = 0
    while i < len(parts) - 1:
        if parts[i] in SECRET_AFTER and parts[i + 1]:
            parts[i + 1] = "{token}"
            i += 2
        else:
            i += 1
    return "/".join(parts)


# A new id is this process's random half and a count: unique without a system call each.
_process = secrets.token_hex(4)
_count = itertools.count()


def _new_process() -> None:
    global _process
    _process = secrets.token_hex(4)


os.register_at_fork(after_in_child=_new_process)  # a forked worker counts under its own half


def request_id(incoming: bytes | None) -> str:
    """The proxy's X-Request-ID when it is a plain one, else a new one (16 hex digits)."""
    sent = incoming.decode("latin-1") if incoming else ""
    if SAFE_ID.match(sent):
        return sent
    return f"{_process}{next(_count) & 0xFFFFFFFF:08x}"


class RequestLog:
    def __init__(self, sample: float = 1.0) -> None:
        self.sample = sample
        self.timers: dict[str, Histogram] = {}  # REQUEST_SECONDS per route, looked up once

    def __call__(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        name = getattr(route, "path", "unmatched")
        timer = self.timers.get(name)
        if timer is None:
            timer = self.timers[name] = REQUEST_SECONDS.labels(name)
        timer.observe(elapsed)
        if not log.isEnabledFor(logging.INFO):
            return
        method = scope["method"]
        if (
            self.sample < 1.0
            and (200 <= status < 300 or status == 304)
            and method in ("GET", "HEAD")
            and random.random() >= self.sample  # noqa: S311 - a sample, no secret
        ):
            return
        fields = {
            "method": method,
            "path": _loggable_path(scope),
            # After uvicorn's proxy headers: a configured proxy's X-Forwarded-For.
            "client": scope["client"][0] if scope.get("client") else None,
            "route": name,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
        }
        info_line(log, "request", fields)
