"""Shared steps of the portal's browser tests."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import check_both_widths


def check_page(page: Page, name: str) -> None:
    """axe-core and screenshots at both widths (tests.browser.conftest.check_both_widths)."""
    check_both_widths(page, name)


def fill_intake(page: Page, *, pregnant: bool, medications: list[str]) -> None:
    """Answers the questionnaire: a woman born in 1990, the given over-the-counter
    medicines, nothing else of concern."""
    page.get_by_label("Date of birth").fill("1990-04-01")
    page.get_by_role("group", name="Sex").get_by_label("Female").check()
    answer = "Yes" if pregnant else "No"
    page.get_by_role("group", name="Are you pregnant, or could you be?").get_by_label(
        answer, exact=True
    ).check()
    page.get_by_role("group", name="Are you breastfeeding?").get_by_label("No", exact=True).check()
    for i, name in enumerate(medications, start=1):
        page.get_by_label(f"Medicine or supplement {i} (optional)", exact=True).fill(name)
        page.get_by_role("group", name=f"Did a doctor prescribe medicine {i}?").get_by_label(
            "No, I bought it myself"
        ).check()
