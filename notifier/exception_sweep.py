"""The exception sweep as a cron job (porchlight.cases.sweep holds the rules; `porchlight sweep`
runs the same thing once from the command line)."""

import logging
from typing import Any

from porchlight.cases.sweep import sweep

log = logging.getLogger(__name__)


async def exception_sweep(ctx: dict[str, Any]) -> str:
    report = await sweep()
    summary = "; ".join(report.lines())
    log.info("exception sweep: %s", summary)
    return summary
