"""Feedback after delivery: the delivered email's five signed rating links in the shopper's
language; following a link records nothing until the shopper confirms (a link scanner rates
nothing); one rating per order however often; a 1 or 2 opens one call-back case per order; the
scores show as CSAT on the KPI page and in its CSV."""

import csv
import io
import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.enums import ExceptionType
from porchlight.models import Brand, Case, Rating
from tests.factories import deliver_scans, email_text, shopper_order
from tests.test_agent_workspace import an_agent, signed_in_token
from tests.worker_run import run_worker

RATING_LINK = re.compile(r"https?://track\.example\.com(?::\d+)?/rate/[\w.\-]+")


async def delivered_email(client, providers, arq_redis, locale="en"):
    """The order's delivered email, through the real worker and SendGrid SDK to the stub."""
    stub, settings = providers
    _, _, order = await shopper_order(locale=locale, sms=False)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    rated = [e for e in stub.emails if RATING_LINK.search(email_text(e))]
    assert len(rated) == 1, [e.json["subject"] for e in stub.emails]
    return order, rated[0]


def paths(email) -> list[str]:
    return [urlsplit(url).path for url in RATING_LINK.findall(email_text(email))]


async def confirm(client, path, score, comment=""):
    page = HTMLParser((await client.get(path)).text)
    token = page.css_first("input[name=csrf_token]").attributes["value"]
    form = {"csrf_token": token, "score": str(score), "comment": comment}
    return await client.post(path, data=form)


async def test_the_delivered_email_carries_five_signed_links_in_the_shoppers_language(
    client, providers, arq_redis
):
    stub, _ = providers
    _, email = await delivered_email(client, providers, arq_redis, locale="de")
    links = RATING_LINK.findall(email_text(email))
    assert len(set(links)) == 5
    html = next(c["value"] for c in email.json["content"] if c["type"] == "text/html")
    assert RATING_LINK.findall(html) == links
    assert "Wie war deine Lieferung?" in email_text(email)
    assert "1 von 5" in email_text(email) and "5 von 5" in email_text(email)
    others = [e for e in stub.emails if e is not email]
    assert others and not any("/rate/" in email_text(e) for e in others)
    # A browser that names no language gets the shopper's own (the page's usual order).
    page = await client.get(urlsplit(links[3]).path, headers={"accept-language": ""})
    assert page.status_code == 200
    assert "Wie war die Lieferung der Bestellung A-1001?" in page.text
    assert '<html lang="de">' in page.text
    checked = HTMLParser(page.text).css_first("input[name=score][checked]")
    assert checked.attributes["value"] == "4"


async def test_following_a_link_rates_nothing_until_the_shopper_confirms(
    client, providers, arq_redis
):
    _, email = await delivered_email(client, providers, arq_redis)
    one = paths(email)[0]
    assert (await client.get(one)).status_code == 200
    assert (await client.head(one)).status_code in (200, 405)
    assert await Rating.all().count() == 0, "a link scanner's GET must not rate"
    without_token = await client.post(one, data={"score": "1"})
    assert without_token.status_code == 403
    assert await Rating.all().count() == 0


async def test_a_tampered_link_is_refused(client, providers, arq_redis):
    _, email = await delivered_email(client, providers, arq_redis)
    one = paths(email)[0]
    token = one.rsplit("/", 1)[1]
    # Not the last character: base64's last one carries bits the decoder drops, and changing
    # only those (A to B) left the same signature (a flaky pass of a tampered link).
    changed = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert (await client.get(f"/rate/{changed}")).status_code == 404
    assert (await client.post(f"/rate/{changed}", data={"score": "5"})).status_code in (403, 404)
    assert (await client.get(f"/rate/{changed}/thanks")).status_code == 404
    assert (await client.get("/rate/not-a-token")).status_code == 404
    # A signed link of another kind (unsubscribe) is not a rating link.
    unsubscribe = re.search(r"/unsubscribe/([\w.\-]+)", email_text(email)).group(1)
    assert (await client.get(f"/rate/{unsubscribe}")).status_code == 404
    assert await Rating.all().count() == 0


async def test_rating_again_changes_the_one_rating_and_a_low_score_opens_one_case(
    client, providers, arq_redis
):
    order, email = await delivered_email(client, providers, arq_redis)
    one, five = paths(email)[0], paths(email)[4]
    sent = await confirm(client, one, 1, "Left in the rain <script>alert(1)</script>")
    assert sent.status_code == 303 and sent.headers["location"] == f"{one}/thanks"
    thanks = await client.get(f"{one}/thanks")
    assert "Thank you for your rating" in thanks.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in thanks.text
    assert "<script>alert" not in thanks.text
    [case] = await Case.all()
    assert case.type == ExceptionType.LOW_RATING
    assert (await Rating.get(order_id=order.id)).callback_case_id == case.id

    assert (await confirm(client, five, 5)).status_code == 303
    assert (await confirm(client, one, 1)).status_code == 303  # a second 1: no second case
    assert (await confirm(client, one, 2)).status_code == 303
    [rating] = await Rating.all()
    assert (rating.score, rating.comment) == (2, "")
    assert await Case.all().count() == 1

    # The lead sees the call-back case with the shopper's words, and no message to send.
    await an_agent("lee@northwind.test", role="lead")
    await signed_in_token(client, "lee@northwind.test")
    page = await client.get(f"/agent/cases/{case.id}")
    assert page.status_code == 200
    assert "Low delivery rating: call back" in page.text
    assert "Left in the rain &lt;script&gt;" in page.text
    assert f"/agent/cases/{case.id}/notify" not in page.text


async def test_a_brand_without_call_backs_opens_no_case_and_bad_forms_are_refused(
    client, providers, arq_redis
):
    _, email = await delivered_email(client, providers, arq_redis)
    brand = await Brand.get(slug="northwind")
    brand.settings = stored(validate_settings({"low_rating_callback": False}))
    await brand.save()
    one = paths(email)[0]
    too_long = await confirm(client, one, 1, "x" * 1001)
    assert too_long.status_code == 303
    shown = await client.get(one)
    assert shown.status_code == 422 and "Keep your comment to 1000 characters." in shown.text
    for score in (9, "1" * 5000, ""):
        assert (await confirm(client, one, score)).status_code == 303
        assert "Choose a score from 1 to 5." in (await client.get(one)).text
    assert await Rating.all().count() == 0
    assert (await confirm(client, one, 1, "late")).status_code == 303
    assert await Rating.all().count() == 1 and await Case.all().count() == 0


async def test_scores_show_as_csat_per_week_carrier_and_lane(client, providers, arq_redis):
    _, email = await delivered_email(client, providers, arq_redis)
    assert (await confirm(client, paths(email)[4], 5)).status_code == 303
    await an_agent("lee@northwind.test", role="lead")
    await signed_in_token(client, "lee@northwind.test")
    page = await client.get("/agent/kpis?weeks=4")
    html = HTMLParser(page.text)
    figure = html.css_first("#kpi-csat")
    assert "Delivery satisfaction (CSAT)" in figure.text()
    assert figure.css("table.kpi-table tr")[1].css("td")[-1].text() == "100"
    assert "Delivery satisfaction by carrier" in html.css_first("#kpi-csat_by_carrier").text()
    rows = list(csv.DictReader(io.StringIO((await client.get("/agent/kpis.csv?weeks=4")).text)))
    assert [r["value"] for r in rows if r["kpi"] == "csat"][-1] == "100.0"
    [by_carrier] = [r for r in rows if r["kpi"] == "csat_by_carrier"]
    assert (by_carrier["value"], by_carrier["base"]) == ("100.0", "1")
    assert [r["base"] for r in rows if r["kpi"] == "csat_by_lane"] == ["1"]
