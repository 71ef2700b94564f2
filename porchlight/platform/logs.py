"""One JSON object per log line, with the request or job id, for any log shipper to index."""

import logging
import time
from contextvars import ContextVar
from typing import Any

import orjson
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

# Set per request (portal) or per job (worker); every line logged meanwhile carries it.
correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


class _WithCorrelation(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        return True


_correlation = _WithCorrelation()


class _Lines(OrjsonFormatter):
    """python-json-logger's lines, encoded by orjson (a request's line in a tenth of the time
    the standard library's encoder took). A record that names its extras (`json_fields`, as the
    request log's does) is written the same without searching all its attributes for them:
    the portal writes one per request, and the search was most of what a line cost."""

    _second: tuple[int, str] = (-1, "")

    def _time(self, created: float) -> str:
        """As formatTime writes it, the date and time formatted once a second, not per line."""
        second = int(created)
        if second != self._second[0]:
            self._second = (second, time.strftime(self.default_time_format, self.converter(second)))
        return self.default_msec_format % (self._second[1], (created - second) * 1000)  # type: ignore[operator]

    def line(
        self,
        level: str,
        name: str,
        message: str,
        correlation: str,
        fields: dict[str, Any],
        created: float,
    ) -> str:
        """A line of named fields (str, int, float or None), as `format` writes a record's."""
        return orjson.dumps(
            {
                "time": self._time(created),
                "level": level,
                "logger": name,
                "message": message,
                "correlation_id": correlation,
                **fields,
            }
        ).decode()

    def format(self, record: logging.LogRecord) -> str:
        names = getattr(record, "json_fields", None)
        if names is None or record.exc_info or record.stack_info or self.datefmt is not None:
            return super().format(record)
        return self.line(
            record.levelname,
            record.name,
            record.getMessage(),
            getattr(record, "correlation_id", ""),
            {name: getattr(record, name) for name in names},
            record.created,
        )


# The handler `configure` installed, for `info_line` to write to directly.
_installed: logging.StreamHandler | None = None  # type: ignore[type-arg]


def _only_ours(logger: logging.Logger) -> logging.StreamHandler | None:  # type: ignore[type-arg]
    """The installed handler when an INFO record of `logger` would reach it and nothing else
    (no test's capture or operator's handler on the way, no filter of the logger's own)."""
    handler = _installed
    if handler is None or logger.filters or not logger.isEnabledFor(logging.INFO):
        return None
    if handler.level > logging.INFO or handler.filters != [_correlation]:
        return None
    node: logging.Logger | None = logger
    while node is not None:
        if node.handlers:
            return handler if node.handlers == [handler] and node.parent is None else None
        if not node.propagate:
            return None
        node = node.parent
    return None


def info_line(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """`logger.info(message, extra=fields)` for a line written on every request: when only the
    installed handler would take it (a served portal), the line it would write goes straight
    to its stream, without a record made and passed through logging (an in-process `/healthz`
    went from 283k to about 160k instructions). Otherwise, a record as `logger.info` makes it."""
    handler = _only_ours(logger)
    if handler is None:
        extra = {**fields, "json_fields": tuple(fields)}
        record = logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None, extra=extra)
        logger.handle(record)
        return
    formatter: _Lines = handler.formatter  # type: ignore[assignment]
    text = formatter.line("INFO", logger.name, message, correlation_id.get(), fields, time.time())
    try:
        with handler.lock:  # type: ignore[union-attr]
            handler.stream.write(text + handler.terminator)
            handler.flush()
    except Exception:  # as logging does: a line that cannot be written never fails the request
        handler.handleError(logging.makeLogRecord({"name": logger.name, "msg": message}))


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        _Lines(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "json_fields"],
        )
    )
    handler.addFilter(_correlation)
    global _installed
    _installed = handler
    # No line shows a record's thread or process: not looking them up makes each record cheaper.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL it calls at INFO; a retailer's webhook URL can carry its credentials.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
