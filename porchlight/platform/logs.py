"""One JSON object per log line, with the request or job id, for any log shipper to index."""

import logging
import time
from contextvars import ContextVar

import orjson
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

# Set per request (portal) or per job (worker); every line logged meanwhile carries it.
correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


class _WithCorrelation(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        return True


class _Lines(OrjsonFormatter):
    """python-json-logger's lines, encoded by orjson (a request's line in a tenth of the time
    the standard library's encoder took). A record that names its extras (`json_fields`, as the
    request log's does) is written the same without searching all its attributes for them:
    the portal writes one per request, and the search was most of what a line cost."""

    _second: tuple[int, str] = (-1, "")

    def _time(self, record: logging.LogRecord) -> str:
        """As formatTime writes it, the date and time formatted once a second, not per line."""
        if self.datefmt is not None or self.default_msec_format is None:
            return self.formatTime(record, self.datefmt)
        second = int(record.created)
        if second != self._second[0]:
            self._second = (second, time.strftime(self.default_time_format, self.converter(second)))
        return self.default_msec_format % (self._second[1], record.msecs)

    def format(self, record: logging.LogRecord) -> str:
        names = getattr(record, "json_fields", None)
        if names is None or record.exc_info or record.stack_info:
            return super().format(record)
        line = {
            "time": self._time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", ""),
        }
        for name in names:
            line[name] = getattr(record, name)
        return orjson.dumps(line).decode()  # the fields named are str, int, float or None


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        _Lines(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "json_fields"],
        )
    )
    handler.addFilter(_WithCorrelation())
    # No line shows a record's thread or process: not looking them up makes each record cheaper.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL it calls at INFO; a retailer's webhook URL can carry its credentials.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
