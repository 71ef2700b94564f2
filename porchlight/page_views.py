"""Counting tracking-page views without a database write on the page: one Redis HINCRBY per
view, moved into page_view_day by the worker every few minutes."""

import logging
import uuid
from datetime import date

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from porchlight.clock import utcnow
from porchlight.models import PageViewDay

log = logging.getLogger(__name__)
PREFIX = "pageviews:"
FLUSHING = "pageviews-flushing:"


async def count_view(redis: Redis, brand_id: int) -> None:
    """Never in the shopper's way: a Redis hiccup loses a count, not the page."""
    try:
        day = f"{PREFIX}{utcnow().date().isoformat()}"
        await redis.hincrby(day, str(brand_id), 1)  # type: ignore[misc]  # redis-py sync/async union
    except (RedisError, OSError) as exc:
        log.warning("page view not counted: %s", exc)


async def flush(redis: Redis) -> int:
    """Move the counters into the database. Each day's hash is renamed first (atomic), so views
    counted meanwhile start a new hash; a flush that fails is retried from its renamed hash."""
    async for key in redis.scan_iter(match=f"{PREFIX}*"):
        name = key.decode() if isinstance(key, bytes) else key
        day = name.removeprefix(PREFIX)
        try:
            await redis.rename(name, f"{FLUSHING}{day}:{uuid.uuid4().hex}")
        except RedisError:
            continue  # gone meanwhile (another worker flushed it)
    moved = 0
    async for key in redis.scan_iter(match=f"{FLUSHING}*"):
        name = key.decode() if isinstance(key, bytes) else key
        day = date.fromisoformat(name.removeprefix(FLUSHING).split(":", 1)[0])
        counts = await redis.hgetall(name)  # type: ignore[misc]  # redis-py sync/async union
        async with in_transaction():
            for brand, views in counts.items():
                brand_id, n = int(brand), int(views)
                row, created = await PageViewDay.get_or_create(
                    brand_id=brand_id, day=day, defaults={"views": n}
                )
                if not created:
                    await PageViewDay.filter(id=row.id).update(views=F("views") + n)
                moved += n
        await redis.delete(name)
    return moved
