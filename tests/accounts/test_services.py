from __future__ import annotations

import pytest

from mesodesk.accounts.selectors import user_by_email
from mesodesk.accounts.services import create_user


@pytest.mark.django_db
def test_it_stores_the_e_mail_address_in_lower_case_and_finds_it_in_any_case() -> None:
    user = create_user(email="Nadia.Roth@Example.ORG", password="a long passphrase")
    assert user.email == "nadia.roth@example.org"
    assert user_by_email(email=" NADIA.ROTH@example.org ") == user
    assert user.check_password("a long passphrase")


@pytest.mark.django_db
def test_a_user_without_a_password_cannot_sign_in_with_one() -> None:
    user = create_user(email="integration@example.org", password=None)
    assert not user.has_usable_password()
