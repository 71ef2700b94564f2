"""Whoever holds an order link cannot take over the customer's texts: a number typed on the
order page gets a code and nothing else until that code is entered there, the page shows only
a number's last digits, and the form never undoes a STOP."""

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path

import httpx

from porchlight.models import Customer
from porchlight.platform.clock import utcnow
from tests.conftest import client_for
from tests.factories import a_brand, an_order
from tests.test_shopper_pages import csrf, page

CURRENT = "+4915112345678"  # the number the retailer sent (order_payload)
TYPED = "+44 7911 123456"
NEW = "+447911123456"


def texted_code(outbox_dir: str, phone: str) -> str:
    """The code in the newest text the outbox holds for `phone`."""
    texts = sorted(Path(outbox_dir).glob("phone-*-sms.json"), key=lambda p: p.stat().st_mtime)
    bodies = [json.loads(p.read_text()) for p in texts]
    [body, *_] = [b for b in reversed(bodies) if b["to"] == phone]
    match = re.match(r"(\d{6}) \S+ \S+ Northwind", body["text"])  # "123456 is your …"
    assert match, body["text"]
    return match.group(1)


def outbox_state(outbox_dir: str) -> dict[Path, float]:
    return {p: p.stat().st_mtime for p in Path(outbox_dir).iterdir()}


async def an_order_page(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    url = f"/o/{order.access_token}"
    return order, url, await csrf(client, url)


async def new_number(client, url, token, phone=TYPED, **choices):
    form = {"csrf_token": token, "sms": "1", "phone": phone, "scope": "all", **choices}
    return await client.post(f"{url}/preferences", data=form)


async def test_a_typed_number_gets_only_its_code_until_the_code_comes_back(client, settings):
    order, url, token = await an_order_page(client)
    sent = await new_number(client, url, token)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{url}?done=code_sent#confirm-phone"
    customer = await Customer.get(id=order.customer_id)
    assert (customer.phone, customer.pending_phone) == (CURRENT, NEW)  # the old one in force
    assert customer.sms_opt_in  # the choice is kept; it reaches the new number once confirmed
    code = texted_code(settings.outbox_dir, NEW)
    assert len(customer.phone_code_hash or "") == 64  # an HMAC of it, not the code

    shown = await client.get(f"{url}?done=code_sent")
    box = page(shown).css_first("#confirm-phone")
    assert "•••• 3456" in box.text() and "•••• 5678" in box.text()  # new one waits, old one sends

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = await client.post(
        f"{url}/phone/confirm", data={"csrf_token": token, "code": wrong}, follow_redirects=True
    )
    assert refused.status_code == 422
    assert "not right" in page(refused).css_first("#phone-code-error").text()
    assert (await Customer.get(id=order.customer_id)).phone == CURRENT

    confirmed = await client.post(f"{url}/phone/confirm", data={"csrf_token": token, "code": code})
    assert confirmed.headers["location"] == f"{url}?done=phone_confirmed#preferences"
    customer = await Customer.get(id=order.customer_id)
    assert (customer.phone, customer.pending_phone, customer.phone_code_hash) == (NEW, None, None)
    again = await client.post(
        f"{url}/phone/confirm", data={"csrf_token": token, "code": code}, follow_redirects=True
    )
    assert again.status_code == 422  # a code works once


async def test_the_page_never_shows_more_of_a_number_than_its_last_digits(client):
    _, url, token = await an_order_page(client)
    await new_number(client, url, token)
    html = (await client.get(f"{url}?done=code_sent")).text
    for digits in ("15112345678", "7911123456", "7911 123456"):
        assert digits not in html
    assert page(await client.get(url)).css_first("#phone").attributes.get("value") in ("", None)
    assert "•••• 5678" in page(await client.get(url)).css_first("#phone-current").text()


async def test_five_wrong_codes_use_a_code_up_even_when_guessed_in_parallel(app, client, settings):
    order, url, token = await an_order_page(client)
    await new_number(client, url, token)
    code = texted_code(settings.outbox_dir, NEW)
    guesses = [f"{n:06d}" for n in range(30) if f"{n:06d}" != code]

    async def guess(code: str) -> httpx.Response:
        """From a browser tab of its own (the same session), following the refusal's redirect."""
        async with client_for(app) as tab:
            tab.cookies = client.cookies
            form = {"csrf_token": token, "code": code}
            return await tab.post(f"{url}/phone/confirm", data=form, follow_redirects=True)

    answers = await asyncio.gather(*(guess(g) for g in guesses))
    assert {a.status_code for a in answers} == {422}
    assert sum("not right" in a.text for a in answers) == 5  # the other 24 were never compared
    late = await client.post(
        f"{url}/phone/confirm", data={"csrf_token": token, "code": code}, follow_redirects=True
    )
    assert "no longer works" in page(late).css_first("#phone-code-error").text()
    assert (await Customer.get(id=order.customer_id)).phone == CURRENT


async def test_an_expired_code_is_refused(client, settings):
    order, url, token = await an_order_page(client)
    await new_number(client, url, token)
    code = texted_code(settings.outbox_dir, NEW)
    await Customer.filter(id=order.customer_id).update(
        phone_code_expires_at=utcnow() - timedelta(seconds=1)
    )
    late = await client.post(
        f"{url}/phone/confirm", data={"csrf_token": token, "code": code}, follow_redirects=True
    )
    assert late.status_code == 422 and "expired" in late.text
    assert (await Customer.get(id=order.customer_id)).phone == CURRENT


async def test_codes_are_sent_once_a_minute_and_five_times_a_day(client, settings, arq_redis):
    order, url, token = await an_order_page(client)
    assert (await new_number(client, url, token)).status_code == 303
    first = texted_code(settings.outbox_dir, NEW)
    resend = await client.post(
        f"{url}/phone/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert resend.status_code == 429 and int(resend.headers["retry-after"]) <= 60
    assert "Wait a minute" in page(resend).css_first("#phone-code-error").text()
    assert texted_code(settings.outbox_dir, NEW) == first  # no second text

    for _ in range(4):
        await arq_redis.delete(f"rl:phone-code-resend:{order.customer_id}")  # a minute passes
        resend = await client.post(f"{url}/phone/resend", data={"csrf_token": token})
        assert resend.headers["location"] == f"{url}?done=code_sent#confirm-phone"
    await arq_redis.delete(f"rl:phone-code-resend:{order.customer_id}")
    sixth = await client.post(
        f"{url}/phone/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert sixth.status_code == 429 and "too many codes" in sixth.text
    # Nor can the current number be guessed by typing candidates: the limit answers first.
    guess = await new_number(client, url, token, phone=CURRENT)
    assert (await client.get(guess.headers["location"])).status_code == 429


async def test_the_form_no_longer_undoes_a_stop(client):
    order, url, token = await an_order_page(client)
    stopped_at = utcnow()
    await Customer.filter(id=order.customer_id).update(sms_opted_out_at=stopped_at)
    form = {"csrf_token": token, "email": "1", "sms": "1", "scope": "all"}
    assert (await client.post(f"{url}/preferences", data=form)).status_code == 303
    customer = await Customer.get(id=order.customer_id)
    assert customer.sms_opted_out_at is not None  # only START from the phone undoes it
    shown = page(await client.get(url))
    assert "reply START" in shown.css_first("#sms-stopped").text()
    assert "checked" not in shown.css_first("input[name=sms]").attributes


async def test_a_number_that_replied_stop_is_not_texted_a_code(client, settings):
    order, url, token = await an_order_page(client)
    other = await an_order(
        await order.brand, "A-2", "TN2", customer={"email": "bo@example.com", "phone": NEW}
    )
    await Customer.filter(id=other.customer_id).update(sms_opted_out_at=utcnow())
    before = outbox_state(settings.outbox_dir)
    refused = await client.get((await new_number(client, url, token)).headers["location"])
    assert refused.status_code == 422
    assert "START" in page(refused).css_first("#preferences [role=alert]").text()
    assert (await Customer.get(id=order.customer_id)).pending_phone is None
    assert outbox_state(settings.outbox_dir) == before  # nothing was texted
