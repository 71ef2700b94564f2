"""The ops lead's page: charts with tables and definitions, a CSV of every figure, leads only."""

import csv
import io
import json
import re
from pathlib import Path

from tests.test_agent_workspace import an_agent, signed_in_token
from tests.test_kpis import data_set  # noqa: F401 - the hand-made data set fixture


async def test_a_lead_sees_every_kpi_as_a_chart_with_its_table(client, data_set):  # noqa: F811
    await an_agent("lee@northwind.test", role="lead")
    await signed_in_token(client, "lee@northwind.test")
    page = await client.get("/agent/kpis?weeks=4")
    assert page.status_code == 200
    assert page.text.count('<svg viewBox="0 0 640 180" role="img"') == 13
    assert page.text.count('class="kpi-table"') == 18
    assert "WISMO contacts per 1,000 shipments" in page.text
    assert "Delivered-not-received rate by lane" in page.text
    assert "Warehouse miss (late handoff)" in page.text


async def test_the_csv_holds_every_figure(client, data_set):  # noqa: F811
    await an_agent("lee@northwind.test", role="lead")
    await signed_in_token(client, "lee@northwind.test")
    response = await client.get("/agent/kpis.csv?weeks=4")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    weekly_rows = [r for r in rows if r["week"] != "period"]
    assert len(weekly_rows) == 13 * 4
    assert {r["kpi"] for r in rows if r["week"] == "period"} == {
        "dnr_by_lane",
        "no_first_scan_by_node",
        "exceptions_by_node",
        "damage_by_sku",
        "close_codes",
    }


async def test_an_agent_cannot_open_the_kpis(client, data_set):  # noqa: F811
    await an_agent()
    await signed_in_token(client, "agent@northwind.test")
    assert (await client.get("/agent/kpis")).status_code == 403
    assert (await client.get("/agent/kpis.csv")).status_code == 403


def outbox_record(directory: str, pattern: str) -> dict:
    [sent] = Path(directory).glob(pattern)
    return json.loads(sent.read_text())


async def test_each_lead_gets_last_weeks_digest_once(settings, arq_redis, data_set, monkeypatch):  # noqa: F811
    from notifier import digest
    from tests.test_kpis import NOW

    await an_agent("lee@northwind.test", role="lead")
    await an_agent()  # agents get no digest
    monkeypatch.setattr(digest, "utcnow", lambda: NOW)
    ctx = {"redis": arq_redis, "settings": settings}
    assert await digest.weekly_digest(ctx) == 1
    assert await digest.weekly_digest(ctx) == 0  # the same week again: nothing
    record = outbox_record(settings.outbox_dir, "digest-2026-11-23-*-email.json")
    assert record["to"] == "lee@northwind.test"
    assert record["subject"] == (
        "Northwind: your weekly delivery KPIs, week of Monday, November 16, 2026"
    )
    assert "- WISMO contacts per 1,000 shipments: 500 (week before: —)" in record["text"]
    assert "/agent/kpis?brand=northwind" in record["text"]


async def test_a_refused_digest_address_does_not_stop_the_other_leads_digests(
    providers,
    arq_redis,
    data_set,  # noqa: F811
    monkeypatch,
):
    from notifier import digest
    from tests.test_kpis import NOW

    stub, settings = providers
    await an_agent("lee@northwind.test", role="lead")
    await an_agent("kim@northwind.test", role="lead")
    monkeypatch.setattr(digest, "utcnow", lambda: NOW)
    stub.fail_next("400")  # SendGrid refuses the first address for good
    assert await digest.weekly_digest({"redis": arq_redis, "settings": settings}) == 1
    assert len(stub.emails) == 1


async def test_figures_take_the_readers_decimal_mark(client, data_set):  # noqa: F811
    await an_agent("lee@northwind.test", role="lead")
    await signed_in_token(client, "lee@northwind.test")
    english = await client.get("/agent/kpis?weeks=4&lang=en")
    german = await client.get("/agent/kpis?weeks=4&lang=de")
    cells = re.compile(r"<td>([\d.,\u202f]+)</td>")
    figures = cells.findall(english.text)
    assert any("." in c for c in figures), "the data set has figures with decimals"
    swapped = [c.translate(str.maketrans(".,", ",.")) for c in figures]  # 1,500.5 -> 1.500,5
    assert cells.findall(german.text) == swapped
