"""Real-browser fixtures: the portal served by uvicorn in a subprocess on a loopback port, and
Chromium driven by Playwright. Without /usr/bin/chromium the browser tests skip, saying why."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from porchlight.platform.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# axe-core, pinned in package.json (devDependencies) and installed by `npm ci` with htmx.
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(settings: Settings, base_url: str) -> dict[str, str]:
    """The test settings as environment variables, so the server sees the same DB and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in {"PATH", "HOME", "LANG"}}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        plain = value.get_secret_value() if isinstance(value, SecretStr) else value
        env[name.upper()] = str(plain)
    env["PUBLIC_BASE_URL"] = base_url
    return env


@contextmanager
def running_portal(settings: Settings, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real uvicorn serving the portal with the test settings (and `env` on top): its base
    URL and its process."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=_environment(settings, base_url) | env,
        cwd=Path(__file__).resolve().parents[1],
    )
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the portal did not start")
        time.sleep(0.1)
    try:
        yield base_url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(settings: Settings, _schema: None) -> Iterator[str]:
    """Base URL of a real uvicorn serving the portal against the test database and Redis.

    Pages are reached as http://127.0.0.1:<port> or http://localhost:<port>; give the test's
    brand one of those hosts.
    """
    with running_portal(settings) as (base_url, _):
        yield base_url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        pytest.skip("browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def phone_page(browser: Any) -> AsyncIterator[Any]:
    """A fresh page at phone width (390x844, like a current iPhone)."""
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def desktop_page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    yield page
    await context.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


async def checked_for_accessibility(page: Any) -> None:
    """Load axe-core into every document `page` opens from now on. It comes in as an init
    script, through DevTools, so the page's own CSP (script-src 'self') does not stop it."""
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make does)"
    await page.add_init_script(path=str(AXE))


async def accessibility_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is shown now, one
    "rule (impact): element" line each; empty when the page is clean."""
    await page.wait_for_load_state()
    return list(
        await page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return result.violations.flatMap(v => v.nodes.map(
                    n => `${v.id} (${v.impact}): ${n.target.join(" ")}`));
            }""",
            WCAG_AA,
        )
    )
