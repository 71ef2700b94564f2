"""What an operator's load balancer and Prometheus ask: liveness, readiness, metrics."""

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import Tortoise
from tortoise.functions import Count

from porchlight.enums import CaseState
from porchlight.models import Case, Notification
from porchlight.platform.clock import utcnow
from portal.body import error
from portal.state import app_state

QUEUE_KEY = "arq:queue"
log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    """The process is up; says nothing about its dependencies (that is readiness)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to take traffic only when the database and Redis both answer. The answer says no
    more than that to whoever asks; which dependency failed, and how, goes to the log."""
    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "database": lambda: Tortoise.get_connection("default").execute_query("SELECT 1"),
        "redis": app_state(request).arq.ping,
    }
    ready = True
    for name, check in checks.items():
        try:
            await check()
        except Exception as exc:  # any failure means not ready: log it, do not raise
            log.warning("not ready: %s failed: %s", name, type(exc).__name__)
            ready = False
    return JSONResponse(
        {"status": "ok" if ready else "unavailable"}, status_code=200 if ready else 503
    )


async def metrics(request: Request) -> Response:
    """Only for the bearer of METRICS_TOKEN (Prometheus's `authorization` credentials); without
    one set, for nobody."""
    token = app_state(request).settings.metrics_token
    if token is None:
        return error(403, "metrics are off: METRICS_TOKEN is not set")
    sent = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(sent, f"Bearer {token.get_secret_value()}".encode()):
        refused = error(401, "missing or wrong metrics token")
        refused.headers["WWW-Authenticate"] = "Bearer"
        return refused
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = DEFAULT_REGISTRY
    body = generate_latest(registry)
    body += await _from_the_stores(request)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _gauge(name: str, text: str, samples: list[tuple[str, float]]) -> str:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return "\n".join(lines) + "\n"


async def _from_the_stores(request: Request) -> bytes:
    """Gauges read from Redis and the database at scrape time: they count what every worker
    and portal process did, whichever process answers the scrape."""
    now = utcnow()
    depth = await app_state(request).arq.zcard(QUEUE_KEY)
    sent = (
        await Notification.filter(due_at__gte=now - timedelta(days=1))
        .annotate(n=Count("id"))
        .group_by("channel", "status")
        .values_list("channel", "status", "n")
    )
    open_cases = await Case.filter(state=CaseState.OPEN).count()
    overdue = await Case.filter(state=CaseState.OPEN, next_due_at__lt=now).count()
    return "".join(
        [
            _gauge("porchlight_queue_depth", "Jobs waiting in the arq queue", [("", depth)]),
            _gauge(
                "porchlight_notifications_24h",
                "Notifications due in the last 24 hours, by channel and status",
                [(f'{{channel="{c}",status="{s}"}}', n) for c, s, n in sent],
            ),
            _gauge("porchlight_cases_open", "Open exception cases", [("", open_cases)]),
            _gauge(
                "porchlight_cases_overdue",
                "Open cases past their SLA deadline (breaches in progress)",
                [("", overdue)],
            ),
        ]
    ).encode()


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
