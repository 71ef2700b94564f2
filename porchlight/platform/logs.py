"""One JSON object per log line, with the request or job id, for any log shipper to index."""

import logging
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

# Set per request (portal) or per job (worker); every line logged meanwhile carries it.
correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


class _WithCorrelation(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        return True


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_WithCorrelation())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL it calls at INFO; a retailer's webhook URL can carry its credentials.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
