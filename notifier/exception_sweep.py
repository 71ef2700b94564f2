"""The exception sweep as a cron job (porchlight.cases.sweep holds the rules; `porchlight sweep`
runs the same thing once from the command line)."""

import logging
from typing import Any

from notifier.notifications import looking_into_it
from porchlight.cases.sla_alerts import send_sla_alerts
from porchlight.cases.sweep import sweep

log = logging.getLogger(__name__)


async def exception_sweep(ctx: dict[str, Any]) -> str:
    report = await sweep()
    # Also the silent parcels `porchlight sweep` found from the command line since the last run.
    told = await looking_into_it(ctx)
    summary = "; ".join([*report.lines(), f"looking into it: {told}"])
    log.info("exception sweep: %s", summary)
    return summary


async def sla_alerts(ctx: dict[str, Any]) -> str:
    """Every minute: owners warned before their SLA breaks, leads told when it broke."""
    warned, broken = await send_sla_alerts(ctx["settings"])
    return f"{warned} owners warned, {broken} breaches reported"
