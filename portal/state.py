"""What the lifespan opens once and every request shares."""

from dataclasses import dataclass
from typing import cast

from arq.connections import ArqRedis
from starlette.requests import Request

from porchlight.page_views import ViewTally
from porchlight.settings import Settings


@dataclass(frozen=True)
class AppState:
    settings: Settings
    arq: ArqRedis
    views: ViewTally


def app_state(request: Request) -> AppState:
    return cast(AppState, request.state.app)
