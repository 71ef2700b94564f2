"""Agents' accounts under attack: the lock holds however parallel the guesses, sessions end on
the server (logout, deactivation, a new password, idle time, lifetime), and a sign-in costs the
same whether the email has an account or not, without stalling the server."""

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from porchlight.accounts import agents
from porchlight.platform.clock import utcnow
from portal.agent.auth import ACCOUNT_ATTEMPTS
from tests.factories import a_brand
from tests.test_agent_workspace import an_agent, csrf_from, sign_in, signed_in_token
from tests.test_api_keys import porchlight

EMAIL = "agent@northwind.test"


@asynccontextmanager
async def a_browser(
    app, address: str = "203.0.113.7", cookies: httpx.Cookies | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser (or a thief's copy of one's cookies), from its own address."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="https://track.example.com", cookies=cookies
    ) as browser:
        yield browser


async def test_thirty_parallel_wrong_passwords_are_checked_five_times_then_the_account_locks(
    app, client
):
    await a_brand()
    await an_agent()
    token = csrf_from((await client.get("/agent/login")).text)
    wrong = {"email": EMAIL, "password": "not the password", "csrf_token": token}

    async def guess(n: int) -> httpx.Response:
        async with a_browser(app, f"198.51.100.{n}", client.cookies) as attacker:
            return await attacker.post("/agent/login", data=wrong)

    answers = await asyncio.gather(*(guess(n) for n in range(30)))
    assert {answer.status_code for answer in answers} == {401}
    checked = [a for a in answers if "Wrong email or password." in a.text]
    locked = [a for a in answers if "This account is locked" in a.text]
    assert (len(checked), len(locked)) == (ACCOUNT_ATTEMPTS, 30 - ACCOUNT_ATTEMPTS)
    right = await sign_in(client, EMAIL)
    assert right.status_code == 401 and "This account is locked" in right.text


async def test_an_agent_logs_out_and_the_copied_cookie_is_refused(app, client):
    await a_brand()
    await an_agent()
    token = await signed_in_token(client, EMAIL)
    copied = httpx.Cookies(client.cookies)
    async with a_browser(app, cookies=copied) as thief:
        assert (await thief.get("/agent/")).status_code == 200
        await client.post("/agent/logout", data={"csrf_token": token})
        refused = await thief.get("/agent/")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/agent/login")


async def test_logging_out_ends_that_browsers_session_only(app, client):
    await a_brand()
    await an_agent()
    async with a_browser(app) as laptop:
        await signed_in_token(laptop, EMAIL)
        token = await signed_in_token(client, EMAIL)
        await client.post("/agent/logout", data={"csrf_token": token})
        assert (await client.get("/agent/")).status_code == 303
        assert (await laptop.get("/agent/")).status_code == 200


async def test_a_new_password_from_the_command_line_ends_every_session_at_once(
    app, client, settings
):
    await a_brand()
    await an_agent()
    async with a_browser(app) as laptop:
        await signed_in_token(laptop, EMAIL)
        await signed_in_token(client, EMAIL)
        new = "a brand new passphrase"
        code, said = await porchlight(settings, "agent-password", EMAIL, stdin=new + "\n")
        assert code == 0, said
        assert (await laptop.get("/agent/")).status_code == 303
        assert (await client.get("/agent/")).status_code == 303
    assert (await sign_in(client, EMAIL)).status_code == 401
    assert (await sign_in(client, EMAIL, new)).status_code == 303


async def test_a_deactivated_agent_is_signed_out_at_once_and_cannot_sign_in(client, settings):
    await a_brand()
    await an_agent()
    await signed_in_token(client, EMAIL)
    code, said = await porchlight(settings, "deactivate-agent", EMAIL)
    assert code == 0, said
    assert (await client.get("/agent/")).status_code == 303
    refused = await sign_in(client, EMAIL)
    assert refused.status_code == 401 and "Wrong email or password." in refused.text
    code, said = await porchlight(settings, "deactivate-agent", "nobody@northwind.test")
    assert code == 1 and "no agent nobody@northwind.test" in said


async def test_a_session_left_idle_longer_than_the_setting_ends(client, settings, monkeypatch):
    await a_brand()
    await an_agent()
    await signed_in_token(client, EMAIL)
    start, idle = utcnow(), timedelta(minutes=settings.session_idle_minutes)
    for moment, status in [
        (start + idle - timedelta(minutes=2), 200),  # back just in time: the clock starts again
        (start + 2 * idle - timedelta(minutes=3), 200),
        (start + 3 * idle, 303),  # gone for longer than the idle time
    ]:
        monkeypatch.setattr(agents, "utcnow", lambda moment=moment: moment, raising=False)
        assert (await client.get("/agent/")).status_code == status, moment - start


async def test_a_busy_session_still_ends_after_its_lifetime(client, settings, monkeypatch):
    await a_brand()
    await an_agent()
    await signed_in_token(client, EMAIL)
    start, lifetime = utcnow(), timedelta(hours=settings.session_max_hours)
    step = timedelta(minutes=settings.session_idle_minutes) / 2
    moment = start
    while moment + step < lifetime + start:
        moment += step
        monkeypatch.setattr(agents, "utcnow", lambda moment=moment: moment, raising=False)
        assert (await client.get("/agent/")).status_code == 200, moment - start
    later = start + lifetime + timedelta(minutes=1)
    monkeypatch.setattr(agents, "utcnow", lambda: later, raising=False)
    assert (await client.get("/agent/")).status_code == 303


async def _time_sign_in(app, email: str, address: str) -> float:
    async with a_browser(app, address) as browser:
        token = csrf_from((await browser.get("/agent/login")).text)
        began = time.perf_counter()
        answer = await browser.post(
            "/agent/login", data={"email": email, "password": "wrong guess!", "csrf_token": token}
        )
        took = time.perf_counter() - began
    assert answer.status_code == 401 and "Wrong email or password." in answer.text
    return took


async def test_an_unknown_email_takes_as_long_to_refuse_as_a_known_one(app, real_password_hashing):
    await a_brand()
    known = [await an_agent(f"agent{n}@northwind.test") for n in range(2)]
    await _time_sign_in(app, "warm@nowhere.test", "192.0.2.99")  # the process's first of either
    await _time_sign_in(app, known[0].email, "192.0.2.98")
    unknown_times, known_times = [], []
    for n, agent in enumerate(known * 2):  # two tries per account: none of them locks
        unknown_times.append(await _time_sign_in(app, f"x{n}@nowhere.test", f"192.0.2.{n}"))
        known_times.append(await _time_sign_in(app, agent.email, f"192.0.2.{n + 50}"))
    ratio = statistics.median(unknown_times) / statistics.median(known_times)
    assert 0.5 < ratio < 2, (unknown_times, known_times)


async def test_the_server_keeps_answering_while_many_sign_ins_are_checked(
    app, client, real_password_hashing
):
    await a_brand()
    await an_agent()
    sign_ins = [  # half known (four tries: no lock), half unknown
        asyncio.create_task(
            _time_sign_in(app, EMAIL if n % 2 else f"x{n}@nowhere.test", f"192.0.2.{n}")
        )
        for n in range(8)
    ]
    began, stalled, answers = time.perf_counter(), 0.0, 0
    while not all(task.done() for task in sign_ins):
        asked = time.perf_counter()
        assert (await client.get("/healthz")).status_code == 200
        await asyncio.sleep(0.01)
        stalled += max(0.0, time.perf_counter() - asked - 0.06)  # beyond a 50 ms answer
        answers += 1
    took = time.perf_counter() - began
    await asyncio.gather(*sign_ins)
    # Checked on the event loop, the passwords stalled it for most of the time they took.
    assert answers > 8 and stalled < took / 2, (stalled, took, answers)
