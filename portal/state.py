"""What the lifespan opens once and every request shares."""

from dataclasses import dataclass, field
from typing import cast

from anyio import CapacityLimiter
from arq.connections import ArqRedis
from starlette.requests import Request

from porchlight.insight.page_views import ViewTally
from porchlight.platform.settings import Settings


@dataclass(frozen=True)
class AppState:
    settings: Settings
    arq: ArqRedis
    views: ViewTally
    # Password checks run in a thread, one at a time per process (more sign-ins at once wait
    # their turn): argon2 already spreads each over 4 threads and 64 MiB, and a second one at
    # once only took CPU from the event loop (and memory) without finishing sooner.
    password_checks: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(1))


def app_state(request: Request) -> AppState:
    return cast(AppState, request.state.app)
