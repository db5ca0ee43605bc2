"""The home page in a real browser: accessible, and finished at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PHONE, assert_accessible, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_is_accessible_at_both_widths(page: Page) -> None:
    page.goto("/")
    assert page.get_by_role("heading", name="What mesodesk is").is_visible()
    assert_accessible(page)
    screenshot(page, "home-desktop")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home-phone")
