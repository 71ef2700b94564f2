"""The ops lead's weekly page: every KPI as a chart with its table and definition, and the
same numbers as CSV."""

import io

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Role
from porchlight.insight import kpi_rollup, kpis, prediction_accuracy
from porchlight.models import Brand
from porchlight.platform.spreadsheet import SafeWriter
from portal.agent.charts import bar_chart, line_chart
from portal.agent.session import agent_of, requires_agent
from portal.rendering import render

WEEK_CHOICES = (4, 8, 13, 26, 52)


async def _report(request: Request) -> tuple[kpis.Report, list[Brand], int]:
    brands = sorted(agent_of(request).brands, key=lambda b: b.name)  # loaded with the agent
    if not brands:
        raise HTTPException(404)
    wanted = request.query_params.get("brand", brands[0].slug)
    brand = next((b for b in brands if b.slug == wanted), None)
    if brand is None:
        raise HTTPException(404)
    raw = request.query_params.get("weeks", "8")
    weeks = int(raw) if raw.isdigit() and int(raw) in WEEK_CHOICES else 8
    return await kpi_rollup.dashboard(brand, weeks), brands, weeks


@requires_agent(Role.LEAD)
async def kpi_page(request: Request) -> Response:
    report, brands, weeks = await _report(request)
    labels = [w.strftime("%d %b") for w in report.weeks]
    charts = [
        (kpi, line_chart(report.series[kpi.key], labels), report.series[kpi.key])
        for kpi in kpis.KPIS
    ]
    bars = [
        (kpi, *bar_chart(report.breakdowns[kpi.key]), report.breakdowns[kpi.key])
        for kpi in kpis.BREAKDOWNS
    ]
    context = {
        "agent": agent_of(request),
        "report": report,
        "brands": brands,
        "weeks": weeks,
        "week_choices": WEEK_CHOICES,
        "week_labels": labels,
        "charts": charts,
        "bars": bars,
        "confidence": settings_of(report.brand).delivery_prediction.confidence,
        "predictions": zip(
            await prediction_accuracy.weekly(report.brand, report.weeks), labels, strict=True
        ),
    }
    return render(request, None, "agent/kpis.html", context, headers={"Cache-Control": "no-store"})


@requires_agent(Role.LEAD)
async def kpi_csv(request: Request) -> Response:
    """One row per figure: kpi, period (a week's Monday or "period"), label, value, base. The
    accuracy of predicted dates is labelled "ours" or "carriers", with its parcels as base."""
    report, _, _ = await _report(request)
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["brand", "kpi", "unit", "week", "label", "value", "base"])
    for kpi in kpis.KPIS:
        for week, value in zip(report.weeks, report.series[kpi.key], strict=True):
            writer.writerow([report.brand.slug, kpi.key, kpi.unit, week.isoformat(), "", value, ""])
    for kpi in kpis.BREAKDOWNS:
        for label, value, base in report.breakdowns[kpi.key]:
            writer.writerow([report.brand.slug, kpi.key, kpi.unit, "period", label, value, base])
    # Predicted delivery dates, ours and the carriers' on the same parcels (label), each week's
    # parcels as the base: the figures the page's accuracy table shows.
    for measured in await prediction_accuracy.weekly(report.brand, report.weeks):
        for source, figures in (("ours", measured.ours), ("carriers", measured.carriers)):
            if figures is None:
                continue
            for key, unit, value in (
                ("edd_on_time_rate", "%", figures.on_time_rate),
                ("edd_exact_day_rate", "%", figures.exact_day_rate),
                ("edd_mae_days", "days", figures.mae_days),
            ):
                writer.writerow(
                    [
                        report.brand.slug,
                        key,
                        unit,
                        measured.monday.isoformat(),
                        source,
                        value,
                        figures.parcels,
                    ]
                )
    name = f"porchlight-kpis-{report.brand.slug}-{report.weeks[-1].isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


routes = [
    Route("/agent/kpis", kpi_page, methods=["GET"]),
    Route("/agent/kpis.csv", kpi_csv, methods=["GET"]),
]
