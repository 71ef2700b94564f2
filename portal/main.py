"""The ASGI entry point for servers: `uvicorn portal.main:app`."""

from porchlight import logs
from porchlight.settings import load_settings
from portal.app import create_app

logs.configure()  # here, not in the CLI: every server process (--workers N) imports this
app = create_app(load_settings())
