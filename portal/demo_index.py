"""`/demo` (only where `DEMO_INDEX` is on, as `porchlight demo` sets it): each demo brand's
orders by what they show (delivered, a problem, returning, split, not yet scanned), so no
one exploring the demo has to query the database for a tracking link."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.demo import showcase
from portal.rendering import render


async def demo_index(request: Request) -> Response:
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    return render(request, None, "demo.html", {"brands": await showcase(port)})


routes = [Route("/demo", demo_index, methods=["GET"])]
