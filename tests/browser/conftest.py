"""Browser tests: Playwright (sync API) driving Debian's Chromium against
pytest-django's ``live_server``.  Run: ``.venv/bin/pytest -m browser tests/browser``.

Screenshots go to ``$ZL_SCREENSHOTS`` (default ``/tmp/zl-screens``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses
# to run in a thread with a running loop unless told it is safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("ZL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("ZL_SCREENSHOTS", "/tmp/zl-screens"))
PASSWORD = "test-pass-123456"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():  # never a silent skip: ./scripts/test installs it
        pytest.fail(f"{CHROMIUM} not installed (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def external_requests():
    """Every request a page made to a host other than the live server's."""
    return []


@pytest.fixture
def page(browser, live_server, external_requests, settings):
    # many sign-ins from one address in a short time: lift the login limit for the journeys
    settings.LOGIN_RATE = "1000/m"
    from django.core.cache import cache

    cache.clear()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:", "about:")) else external_requests.append(r.url))
    yield page
    context.close()
    assert external_requests == [], f"pages requested other hosts: {external_requests}"


def screenshot(page, name: str, locator=None) -> Path:
    """A full-page screenshot, or of one element (``locator``) on long pages."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if locator is not None:
        locator.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")


def log_out(page) -> None:
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button")
