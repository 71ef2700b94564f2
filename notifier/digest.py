"""The weekly digest: every Monday each lead gets last week's KPIs for each of their brands,
beside the week before, with a link to the dashboard. At most once per (lead, brand, week)."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from porchlight.channels import Outgoing, PermanentSendError, TransientSendError, channel_for
from porchlight.enums import Channel, Role
from porchlight.insight import kpis
from porchlight.models import Agent, Brand
from porchlight.platform.clock import utcnow
from porchlight.platform.settings import Settings
from porchlight.tracking.templating import environment

log = logging.getLogger(__name__)
KEEP_MARK = timedelta(days=8)


@dataclass(frozen=True)
class Line:
    kpi: kpis.Kpi
    last: float | None
    before: float | None

    @property
    def change(self) -> str:
        if self.last is None or self.before is None or self.last == self.before:
            return "="
        return "↑" if self.last > self.before else "↓"


def render_digest(settings: Settings, brand: Brand, report: kpis.Report) -> tuple[str, str, str]:
    env = environment(brand.theme, brand.default_locale or "en")
    lines = [Line(k, report.series[k.key][-1], report.series[k.key][-2]) for k in kpis.KPIS]
    context = {
        "brand": brand,
        "week": report.weeks[-1],
        "lines": lines,
        "codes": report.breakdowns["close_codes"][:3],
        "nodes": report.breakdowns["exceptions_by_node"][:3],
        "dashboard_url": f"{settings.public_base_url.rstrip('/')}/agent/kpis?brand={brand.slug}",
    }
    subject = " ".join(env.get_template("digest/subject.txt").render(context).split())
    text = env.get_template("digest/body.txt").render(context).strip()
    html = env.get_template("digest/body.html").render({**context, "subject": subject})
    return subject, text, html


async def weekly_digest(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    this_monday = kpis.monday(utcnow().date())
    last_week_end = datetime.combine(this_monday, time(0), UTC) - timedelta(seconds=1)
    leads = await Agent.filter(active=True, role__in=[Role.LEAD, Role.ADMIN]).prefetch_related(
        "brands"
    )
    sent = 0
    rendered: dict[int, tuple[str, str, str]] = {}  # one report per brand, however many leads
    for agent in leads:
        for brand in agent.brands:
            mark = f"digest:{agent.id}:{brand.id}:{this_monday.isoformat()}"
            if not await ctx["redis"].set(mark, "1", nx=True, ex=KEEP_MARK):
                continue
            if brand.id not in rendered:
                report = await kpis.weekly(brand, weeks=2, now=last_week_end)
                rendered[brand.id] = render_digest(settings, brand, report)
            subject, text, html = rendered[brand.id]
            message = Outgoing(
                reference=f"digest-{this_monday.isoformat()}-{agent.id}-{brand.id}",
                brand_id=brand.id,
                kind=Channel.EMAIL,
                to=agent.email,
                subject=subject,
                text=text,
                html=html,
                sender=brand.email_from or settings.email_from,
                unsubscribe_url=f"{settings.public_base_url.rstrip('/')}/agent/",
                status_callback="",
            )
            try:
                await channel_for(Channel.EMAIL, settings).send(message)
            except TransientSendError as exc:
                await ctx["redis"].delete(mark)  # the next hour's run tries again
                log.warning("digest for %s not sent, retried next hour: %s", agent.email, exc)
                continue
            except PermanentSendError as exc:  # this address; the other leads still get theirs
                log.warning("digest for %s refused: %s", agent.email, exc)
                continue
            sent += 1
    return sent
