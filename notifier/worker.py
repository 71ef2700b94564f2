"""The arq worker's wiring: `porchlight worker` runs it, tests run it in burst mode."""

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
from arq import cron, func
from arq.connections import RedisSettings
from arq.worker import Worker

from notifier import connectors, edd, notifications, retailer_webhooks, tracking
from notifier.digest import weekly_digest
from notifier.exception_sweep import exception_sweep, sla_alerts
from notifier.kpi_rollup import refresh_all_kpis, refresh_recent_kpis
from porchlight.insight import page_views
from porchlight.platform.db import database
from porchlight.platform.jobs import ANNOUNCE_REFUND, DELIVER_NOTIFICATION
from porchlight.platform.logs import correlation_id
from porchlight.platform.redis_version import require_supported_redis
from porchlight.platform.settings import Settings


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["resources"] = AsyncExitStack()  # first: arq runs shutdown() even when startup fails
    await require_supported_redis(ctx["redis"])
    await ctx["resources"].enter_async_context(database(settings.database_url))
    ctx["http"] = await ctx["resources"].enter_async_context(httpx.AsyncClient(timeout=10))


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["resources"].aclose()


async def tag_job(ctx: dict[str, Any]) -> None:
    """Every log line a job writes carries its job id (each job runs in its own task)."""
    correlation_id.set(ctx["job_id"])


POLL_DELAY = 0.05
MAX_JOBS = 20
# On TERM or Ctrl-C the worker takes no new job and lets those running finish for up to this
# long (under `docker stop`'s 10 s): a send cancelled mid-flight is failed as interrupted,
# never sent again, so the shopper would miss it.
STOP_GRACE_SECONDS = 8


async def flush_page_views(ctx: dict[str, Any]) -> int:
    return await page_views.flush(ctx["redis"])


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for arq's Worker, built from our settings (tests call this too)."""
    return {
        "functions": [
            tracking.refresh_tracking,
            tracking.react_to_registration,
            func(notifications.announce_refund, name=ANNOUNCE_REFUND),
            # No result kept: a request that waited for its brand's webhook is enqueued again
            # under the same job id once the webhook is set.
            func(
                retailer_webhooks.forward_delivery_request,
                max_tries=retailer_webhooks.MAX_TRIES,
                keep_result=0,
            ),
            func(
                notifications.deliver,
                name=DELIVER_NOTIFICATION,
                max_tries=notifications.MAX_ATTEMPTS + 1,
            ),
            func(connectors.register_tracker, max_tries=connectors.MAX_TRIES),
            func(connectors.import_shopify_order, max_tries=connectors.MAX_TRIES),
            func(connectors.subscribe_shopify_webhooks, max_tries=connectors.MAX_TRIES),
        ],
        "cron_jobs": [
            cron(tracking.reconcile, minute=set(range(0, 60, 5)), run_at_startup=True),
            cron(retailer_webhooks.resend_stuck_delivery_requests, minute=set(range(2, 60, 10))),
            cron(notifications.shipped_after_grace, minute=set(range(4, 60, 10))),
            cron(notifications.send_due, minute=set(range(1, 60, 5))),
            cron(notifications.owed_refunds, minute=set(range(3, 60, 5)), unique=True),
            cron(exception_sweep, minute={7, 22, 37, 52}, unique=True),
            cron(sla_alerts, minute=set(range(60)), unique=True),
            cron(flush_page_views, minute=set(range(3, 60, 5))),
            cron(connectors.resend_pending_registrations, minute=set(range(6, 60, 10))),
            cron(connectors.resend_pending_subscriptions, minute=set(range(8, 60, 10))),
            cron(refresh_recent_kpis, minute=set(range(4, 60, 5)), unique=True),
            cron(refresh_all_kpis, hour=3, minute=17, unique=True),
            # Lanes learn from yesterday's deliveries within the hour; accuracy once a day.
            cron(edd.refresh_predictions, minute=41, unique=True),
            cron(edd.record_accuracy, hour=4, minute=47, unique=True),
            # Hourly through Monday from 06:00: one mark per lead and week sends each digest
            # once, and a digest the provider could not take now goes out an hour later.
            cron(weekly_digest, weekday="mon", hour=set(range(6, 24)), minute=0, unique=True),
        ],
        # arq's 0.5 s default refills free job slots only twice a second, which caps a worker at
        # about max_jobs / poll_delay = 20 jobs/s whatever the jobs cost (bench/notifier_drain).
        "poll_delay": POLL_DELAY,
        "max_jobs": MAX_JOBS,
        "job_completion_wait": STOP_GRACE_SECONDS,
        "job_timeout": settings.job_timeout_seconds,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "on_job_start": tag_job,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
    }


def run(settings: Settings) -> None:
    """Run the worker in the foreground until SIGINT/SIGTERM."""
    worker = Worker(**worker_settings(settings))
    try:
        worker.run()
    except asyncio.CancelledError:
        # A job cancelled at the stop (past the grace time) makes arq's close() raise before it
        # runs our shutdown hook; SQLite's connection thread would then keep the process alive.
        worker.loop.run_until_complete(shutdown(worker.ctx))
