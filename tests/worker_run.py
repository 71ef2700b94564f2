"""Run the real arq worker until everything due has run (or as its own process: `start_worker`).

arq's burst mode waits for deferred jobs too, and a message deferred to the morning would keep
it running for hours; this runs the same Worker until no job is due within a short horizon."""

import asyncio
import os
import sys
import time
from pathlib import Path

from arq.connections import ArqRedis
from arq.constants import default_queue_name
from arq.worker import Worker

from notifier.worker import worker_settings
from porchlight.platform.settings import Settings

HORIZON_MS = 3_000  # retries with a short backoff still count as due
DEADLINE_S = 60


async def run_worker(settings: Settings, arq_redis: ArqRedis) -> None:
    options = worker_settings(settings)
    options.pop("redis_settings")
    options["cron_jobs"] = []  # sweeps are called by the tests that exercise them
    options["poll_delay"] = 0.01
    worker = Worker(**options, redis_pool=arq_redis, handle_signals=False)
    main = asyncio.create_task(worker.main())
    deadline = time.monotonic() + DEADLINE_S
    try:
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            now_ms = int(time.time() * 1000)
            due = await arq_redis.zcount(default_queue_name, 0, now_ms + HORIZON_MS)
            if due == 0 and not worker.tasks:
                break
            if main.done():
                main.result()
        else:
            raise AssertionError("jobs still due after a minute of work")
    finally:
        main.cancel()
        await asyncio.gather(main, return_exceptions=True)
        await worker.close()


async def start_worker(env: dict[str, str], log: Path | None = None) -> asyncio.subprocess.Process:
    """`porchlight worker` in its own process, as deployed; what it prints goes to `log`."""
    with (log or Path(os.devnull)).open("wb") as output:
        return await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("porchlight")),
            "worker",
            env=env,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
