"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here: it launches Debian's /usr/bin/chromium (DESIGN §3;
`MESODESK_CHROMIUM` names another binary). Where it is missing every browser test is skipped
with one line saying how to install it, unless `MESODESK_BROWSER_TESTS=required` (what
`.ci/run` sets): then each fails, so CI never passes without them. Each page a test visits
can be checked with `assert_accessible(page)` (axe-core: no serious or critical violations).
Screenshots go to `MESODESK_SCREENSHOTS` when it is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from mesodesk.accounts.models import User
from tests.accounts.helpers import sign_in_with_mfa

# A patient with a booked session and reminders, for the outbox and reminder pages.
from tests.messaging.conftest import book_session, lena, room  # noqa: F401

CHROMIUM = Path(os.environ.get("MESODESK_CHROMIUM") or "/usr/bin/chromium")
MISSING_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# The live server runs in a thread of this process; Playwright's sync API runs an event
# loop in another, which Django would otherwise take for async code touching the database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skips (or, where browser tests are required, fails) a browser test before its
    fixtures run, so a machine without Chromium neither errors nor builds a test database
    for nothing; pytest's summary folds the skips into one line."""
    if not CHROMIUM.exists():
        if os.environ.get("MESODESK_BROWSER_TESTS") == "required":
            pytest.fail(f"{MISSING_CHROMIUM} (MESODESK_BROWSER_TESTS=required)", pytrace=False)
        pytest.skip(MISSING_CHROMIUM)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: object) -> Iterator[Page]:
    """A fresh browser context (no cookies) at desktop width, 10 s per action at most."""
    context = browser.new_context(viewport=DESKTOP, base_url=str(live_server))
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


_AXE = Axe()


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    result = _AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not bad, f"{page.url}: " + " | ".join(bad)


def screenshot(page: Page, name: str) -> None:
    """Saves a full-page PNG when MESODESK_SCREENSHOTS names a folder (README images)."""
    folder = os.environ.get("MESODESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def check_both_widths(page: Page, name: str) -> None:
    """axe-core at desktop and at phone width, nothing wider than the phone's screen (no
    sideways scrolling; the message names what sticks out), and a screenshot at each width
    (<name>-desktop, <name>-phone). Leaves the page at desktop width."""
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    # A label that says "(optional)" itself gets it twice from web/_field.html.
    assert "(optional) (optional)" not in page.inner_text("body"), name
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (name, wide)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def sign_in(page: Page, user: User, live_server: object) -> None:
    """Gives the browser the session of `user` signed in with TOTP (the sign-in pages
    themselves are walked in test_staff_sign_off.py and tests/accounts)."""
    client = sign_in_with_mfa(Client(), user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": str(live_server),
            }
        ]
    )
