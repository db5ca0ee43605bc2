from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.selectors import clinic_by_slug, membership, memberships_of_clinic
from mesodesk.clinics.services import add_member, create_clinic


@pytest.mark.django_db
def test_it_creates_a_clinic_in_its_own_time_zone() -> None:
    clinic = create_clinic(slug="rosengarten", name="Rosengarten", time_zone="Europe/Vienna")
    assert clinic_by_slug(slug="rosengarten") == clinic
    assert (clinic.time_zone, clinic.locale) == ("Europe/Vienna", "en")


@pytest.mark.django_db
def test_it_refuses_a_time_zone_that_is_not_an_iana_name() -> None:
    with pytest.raises(ValidationError) as error:
        create_clinic(slug="nowhere", name="Nowhere", time_zone="CEST")
    assert "time_zone" in error.value.message_dict
    assert not Clinic.objects.filter(slug="nowhere").exists()


@pytest.mark.django_db
def test_it_refuses_a_locale_it_cannot_read() -> None:
    with pytest.raises(ValidationError) as error:
        create_clinic(slug="x", name="X", time_zone="UTC", locale="english")
    assert "locale" in error.value.message_dict


def test_it_refuses_a_second_clinic_with_the_same_slug(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as error:
        create_clinic(slug=clinic.slug, name="Copy", time_zone="UTC")
    assert "slug" in error.value.message_dict


def test_a_user_has_one_role_per_clinic(clinic: Clinic, alice: User) -> None:
    with pytest.raises(ValidationError):
        add_member(clinic=clinic, user=alice, role=Role.PRACTITIONER)
    assert membership(clinic, alice).role == Role.ADMIN  # type: ignore[union-attr]


def test_the_database_itself_refuses_a_second_membership(clinic: Clinic, alice: User) -> None:
    with pytest.raises(IntegrityError):
        Membership.objects.create(clinic=clinic, user=alice, role=Role.FRONT_DESK)


def test_the_same_user_may_work_in_two_clinics(
    clinic: Clinic, other_clinic: Clinic, pedro: User
) -> None:
    add_member(clinic=other_clinic, user=pedro, role=Role.ADMIN)
    assert membership(clinic, pedro).role == Role.PRACTITIONER  # type: ignore[union-attr]
    assert membership(other_clinic, pedro).role == Role.ADMIN  # type: ignore[union-attr]


def test_a_clinic_lists_only_its_own_staff(
    clinic: Clinic, other_clinic: Clinic, alice: User, pedro: User, fiona: User
) -> None:
    outsider = User.objects.create_user("olga@harbour.test", "a long passphrase")
    add_member(clinic=other_clinic, user=outsider, role=Role.ADMIN)
    staff = [(m.user.email, m.role) for m in memberships_of_clinic(clinic=clinic)]
    assert staff == [
        ("alice@lindenhof.test", Role.ADMIN),
        ("fiona@lindenhof.test", Role.FRONT_DESK),
        ("pedro@lindenhof.test", Role.PRACTITIONER),
    ]


def test_a_clinic_s_staff_list_takes_one_query(
    clinic: Clinic,
    alice: User,
    pedro: User,
    fiona: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(1):
        emails = [m.user.email for m in memberships_of_clinic(clinic=clinic)]
    assert len(emails) == 3
