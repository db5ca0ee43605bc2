"""The protocol library browser: every rule with sources, conflicts and the clinic's
overrides; only admins set overrides, always with a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.protocols.models import ClinicOverride
from mesodesk.protocols.services import set_clinic_override

LIBRARY = "/staff/lindenhof/library/"


def rule_url(code: str) -> str:
    return f"{LIBRARY}{code}/"


def test_it_lists_every_rule_of_the_library(doctor: Client) -> None:
    library = load_library()
    page = doctor.get(LIBRARY)
    assert page.status_code == 200
    html = page.text
    for code in [c.code for c in library.contraindications] + [r.code for r in library.rules]:
        assert f"<code>{code}</code>" in html
    for code in [*library.schedules, *library.scales]:
        assert f"<code>{code}</code>" in html
    assert library.version in html


def test_it_shows_sources_and_the_conflict_with_the_chosen_value(doctor: Client) -> None:
    html = doctor.get(LIBRARY).text
    assert "000_2d6624a92658d99d.txt" in html  # a seed's label
    assert "Sources disagree" in html
    # avoid_nsaids: the seeds say 2 days to a week; the library chose 7 days, and why.
    assert "The longest figure the sources give" in html
    assert 'id="source-rotunda2006"' in html  # the list of sources the citations link to


def test_it_searches_and_filters_by_section(doctor: Client) -> None:
    html = doctor.get(LIBRARY, {"q": "aspirin"}).text
    assert "<code>avoid_nsaids</code>" in html
    assert "<code>keep_area_dry</code>" not in html
    html = doctor.get(LIBRARY, {"section": "aftercare"}).text
    assert "<code>keep_area_dry</code>" in html
    assert "<code>avoid_nsaids</code>" not in html
    assert "<code>pregnancy</code>" not in html


def test_an_unknown_section_shows_everything(doctor: Client) -> None:
    html = doctor.get(LIBRARY, {"section": "nonsense"}).text
    assert "<code>pregnancy</code>" in html and "<code>keep_area_dry</code>" in html


def test_nothing_found_says_so(doctor: Client) -> None:
    assert "Nothing found" in doctor.get(LIBRARY, {"q": "zzzzqqq"}).text


def test_the_library_page_takes_a_fixed_number_of_queries(
    doctor: Client, clinic: Clinic, alice: User, django_assert_num_queries: object
) -> None:
    for code in ("avoid_nsaids", "keep_area_dry", "avoid_sun"):
        value = 10 if code == "avoid_nsaids" else "72h"
        set_clinic_override(clinic=clinic, rule_code=code, value=value, reason="Ours", by=alice)
    # Session, user (with their memberships, which give the idle timeout and the
    # membership), overrides; the session's write (3).
    with django_assert_num_queries(6):  # type: ignore[operator]
        assert doctor.get(LIBRARY).status_code == 200


def test_a_rule_page_shows_texts_sources_and_conflict(doctor: Client) -> None:
    page = doctor.get(rule_url("avoid_nsaids"))
    assert page.status_code == 200
    html = page.text
    assert "<h1>No over-the-counter aspirin or anti-inflammatories</h1>" in html
    assert "at least one week before" in html  # a source's locator
    assert "Sources disagree" in html
    assert "follows the library" in html


def test_an_unknown_rule_is_404(doctor: Client) -> None:
    assert doctor.get(rule_url("no_such_rule")).status_code == 404


def test_an_admin_sets_a_lead_time_with_a_reason(admin: Client, clinic: Clinic) -> None:
    response = admin.post(
        rule_url("avoid_nsaids"), {"value": "10", "reason": "Our surgeon wants ten days."}
    )
    assert response.status_code == 302
    override = ClinicOverride.objects.get(clinic=clinic, rule_code="avoid_nsaids")
    assert override.value == 10
    assert override.reason == "Our surgeon wants ten days."
    html = admin.get(rule_url("avoid_nsaids")).text
    assert "Our surgeon wants ten days." in html
    assert "alice@lindenhof.test" in html  # who, in the override and its history
    assert "Set" in html
    listing = admin.get(LIBRARY).text
    assert "Clinic override" in listing and "Our surgeon wants ten days." in listing


def test_an_admin_changes_a_severity_and_the_history_keeps_both(
    admin: Client, clinic: Clinic
) -> None:
    url = rule_url("keloid_tendency")
    admin.post(url, {"severity": "relative", "reason": "A clinician looks at every keloid."})
    admin.post(url, {"severity": "absolute", "reason": "We no longer treat keloid patients."})
    override = ClinicOverride.objects.get(clinic=clinic, rule_code="keloid_tendency")
    assert override.severity == "absolute"
    html = admin.get(url).text
    assert "A clinician looks at every keloid." in html  # the history row
    assert "We no longer treat keloid patients." in html
    assert "Changed" in html


def test_the_reason_is_required_and_the_error_is_next_to_it(admin: Client) -> None:
    response = admin.post(rule_url("avoid_nsaids"), {"value": "10", "reason": "  "})
    assert response.status_code == 400
    html = response.text
    assert 'aria-invalid="true"' in html
    assert 'id="id_reason_error"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert not ClinicOverride.objects.exists()


def test_a_bad_value_is_refused_next_to_the_value(admin: Client) -> None:
    response = admin.post(rule_url("avoid_nsaids"), {"value": "a week", "reason": "Because."})
    assert response.status_code == 400
    assert 'id="id_value_error"' in response.text
    assert "whole number of days" in response.text
    response = admin.post(rule_url("keep_area_dry"), {"value": "2 days", "reason": "Because."})
    assert response.status_code == 400
    assert "is not a duration" in response.text
    assert not ClinicOverride.objects.exists()


def test_an_override_must_change_something(admin: Client) -> None:
    response = admin.post(rule_url("pregnancy"), {"severity": "", "reason": "Because."})
    assert response.status_code == 400
    assert "Give a new value, a new severity, or both." in response.text


def test_a_screening_rule_takes_a_severity_and_no_value(admin: Client) -> None:
    html = admin.get(rule_url("pregnancy")).text
    assert 'name="severity"' in html and 'name="value"' not in html
    html = admin.get(rule_url("avoid_sun")).text
    assert 'name="value"' in html and 'name="severity"' not in html


@pytest.mark.parametrize("who", ["doctor", "desk"])
def test_other_roles_see_overrides_but_no_form(
    who: str, request: pytest.FixtureRequest, clinic: Clinic, alice: User
) -> None:
    client: Client = request.getfixturevalue(who)
    set_clinic_override(
        clinic=clinic, rule_code="avoid_sun", value="3w", reason="Sunny town.", by=alice
    )
    html = client.get(rule_url("avoid_sun")).text
    assert "Sunny town." in html
    assert '<form method="post" novalidate' not in html
    assert "Only the clinic's admins can change overrides." in html
    response = client.post(rule_url("avoid_sun"), {"value": "1w", "reason": "Mine."})
    assert response.status_code == 403
    assert ClinicOverride.objects.get(rule_code="avoid_sun").value == "3w"


def test_an_entry_without_a_figure_cannot_be_overridden(admin: Client) -> None:
    html = admin.get(rule_url("session_depth")).text
    assert 'name="reason"' not in html
    assert admin.post(rule_url("session_depth"), {"reason": "x"}).status_code == 404


def test_a_member_of_another_clinic_gets_404(outsider: Client) -> None:
    assert outsider.get(LIBRARY).status_code == 404
    assert outsider.get(rule_url("avoid_nsaids")).status_code == 404
    response = outsider.post(rule_url("avoid_nsaids"), {"value": "1", "reason": "Mine."})
    assert response.status_code == 404
    assert not ClinicOverride.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, clinic: Clinic) -> None:
    response = client.get(LIBRARY)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_admin_removes_an_override_with_a_reason_and_the_history_keeps_it(
    admin: Client, doctor: Client, clinic: Clinic, alice: User
) -> None:
    set_clinic_override(
        clinic=clinic, rule_code="avoid_nsaids", value=10, reason="Ten days.", by=alice
    )
    remove = f"{rule_url('avoid_nsaids')}remove/"
    refused = admin.post(remove, {"reason": " "}, follow=True)
    assert "Say why the override is removed." in refused.text
    assert ClinicOverride.objects.filter(clinic=clinic, rule_code="avoid_nsaids").exists()
    assert doctor.post(remove, {"reason": "Not mine to remove."}).status_code == 403
    done = admin.post(remove, {"reason": "Back to the library's seven days."}, follow=True)
    assert "is removed" in done.text
    assert not ClinicOverride.objects.filter(clinic=clinic, rule_code="avoid_nsaids").exists()
    removal = ClinicOverride.history.filter(clinic=clinic, history_type="-").get()
    assert removal.history_change_reason == "Back to the library's seven days."
    assert removal.history_user == alice
    assert admin.post(remove, {"reason": "Again."}).status_code == 404


def test_a_figure_no_source_gives_is_shown_as_the_clinics_to_set(
    admin: Client, doctor: Client, clinic: Clinic
) -> None:
    listing = doctor.get(LIBRARY + "?q=alcohol").text
    assert "No source gives this figure" in listing
    assert "See who may set it" in listing
    page = doctor.get(rule_url("avoid_alcohol_after")).text
    assert "No source gives this figure." in page
    assert "“For 48 hours” is a clinic-defined default" in page
    assert "The clinic's admins can set its own figure on this page." in page
    # A sourced figure says nothing of the kind.
    assert "No source gives this figure" not in doctor.get(rule_url("keep_area_dry")).text
    # The admin sets it through the override; the listing then shows the clinic's figure.
    assert "Set Lindenhof" in admin.get(rule_url("avoid_alcohol_after")).text
    response = admin.post(
        rule_url("avoid_alcohol_after"), {"value": "24h", "reason": "Our physician advises a day."}
    )
    assert response.status_code == 302
    assert ClinicOverride.objects.get(clinic=clinic, rule_code="avoid_alcohol_after").value == "24h"
    listing = admin.get(LIBRARY + "?q=alcohol").text
    assert "Our physician advises a day." in listing


def test_a_rule_page_names_the_substances_no_source_names(doctor: Client) -> None:
    page = doctor.get(rule_url("avoid_blood_thinning_supplements")).text
    assert "Covered without a source" in page
    assert "turmeric (curcumin)" in page and "bromelain" in page
    assert "the clinic&#x27;s addition" in page
    # Fish oil is named by seed 002: not among the additions.
    assert "fish oil (omega-3)" not in page.split("Covered without a source")[1].split("</p>")[0]
