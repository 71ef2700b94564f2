"""What an operator's load balancer and Prometheus ask: liveness, readiness, metrics."""

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import Tortoise

from portal.state import app_state

QUEUE_KEY = "arq:queue"


async def healthz(request: Request) -> Response:
    """The process is up; says nothing about its dependencies (that is readiness)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to take traffic only when the database and Redis both answer."""
    checks: dict[str, str] = {}
    try:
        await Tortoise.get_connection("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready: report it, do not raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await app_state(request).arq.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )


async def metrics(request: Request) -> Response:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = DEFAULT_REGISTRY
    body = generate_latest(registry)
    depth = await app_state(request).arq.zcard(QUEUE_KEY)
    body += (
        b"# HELP porchlight_queue_depth Jobs waiting in the arq queue\n"
        b"# TYPE porchlight_queue_depth gauge\n" + f"porchlight_queue_depth {depth}\n".encode()
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
