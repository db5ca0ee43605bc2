"""Search: paging and totals, date prefixes and partial dates, `_lastUpdated`, OR and
AND, references, strict and lenient handling, several sources, and the statements a page
costs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.fhir.registry import Context, FhirType, Source
from mesodesk.fhir.search import date_range, parse
from mesodesk.fhir.types.administrative import DEVICE, LOCATION
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.fhir.conftest import BASE, Get
from tests.fhir.validation import problems
from tests.query_counts import statements
from tests.scheduling.conftest import make_patient

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# Seven appointments of one patient, at 10:00 Berlin on these days, with these statuses.
DAYS = [
    ("2025-01-10", AppointmentStatus.COMPLETED),
    ("2025-02-10", AppointmentStatus.COMPLETED),
    ("2025-02-20", AppointmentStatus.NO_SHOW),
    ("2025-03-01", AppointmentStatus.CANCELLED),
    ("2025-12-31", AppointmentStatus.COMPLETED),
    ("2026-01-01", AppointmentStatus.LATE_CANCELLED),
    ("2026-06-15", AppointmentStatus.BOOKED),
]


@pytest.fixture
def diary(clinic: Clinic, fiona: User, pedro: User, room: Room) -> dict[str, Appointment]:
    patient = make_patient(clinic, fiona, "Diary")
    made = {}
    for day, status in DAYS:
        start = datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=BERLIN)
        fields: dict[str, Any] = {}
        if status in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
            fields = {"ended_at": start + timedelta(minutes=30), "ended_by": pedro}
        if status in (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED):
            fields = {"cancelled_at": start - timedelta(days=1), "cancelled_by": fiona}
        made[day] = Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            kind=AppointmentKind.SESSION,
            practitioner=pedro,
            room=room,
            start=start,
            end=start + timedelta(minutes=30),
            status=status,
            created_by=fiona,
            **fields,
        )
    return made


def days_of(bundle: dict[str, Any]) -> list[str]:
    """The Berlin days of the appointments in a Bundle, in its order."""
    return [
        datetime.fromisoformat(e["resource"]["start"]).astimezone(BERLIN).date().isoformat()
        for e in bundle.get("entry", [])
    ]


def search(fhir_get: Get, token: str, query: str) -> dict[str, Any]:
    response = fhir_get(f"Appointment?{query}", token)
    assert response.status_code == 200, response.content[:400]
    return response.json()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date=2025", ["2025-01-10", "2025-02-10", "2025-02-20", "2025-03-01", "2025-12-31"]),
        ("date=2025-02", ["2025-02-10", "2025-02-20"]),
        ("date=eq2025-02-10", ["2025-02-10"]),
        ("date=ge2025-12-31", ["2025-12-31", "2026-01-01", "2026-06-15"]),
        ("date=gt2025-12-31", ["2026-01-01", "2026-06-15"]),
        ("date=sa2025-12", ["2026-01-01", "2026-06-15"]),
        ("date=lt2025-02-10", ["2025-01-10"]),
        ("date=eb2025-02", ["2025-01-10"]),
        ("date=le2025-02-10", ["2025-01-10", "2025-02-10"]),
        ("date=ne2025", ["2026-01-01", "2026-06-15"]),
        # Repeated: AND (a range); comma: OR.
        ("date=ge2025-02&date=lt2025-03", ["2025-02-10", "2025-02-20"]),
        ("date=2025-01,2026-06", ["2025-01-10", "2026-06-15"]),
        # Instants: with an offset as given, without one in the clinic's time zone.
        ("date=ge2025-02-10T09:00:00Z&date=le2025-02-10T09:00:00Z", ["2025-02-10"]),
        ("date=lt2025-02-10T10:00", ["2025-01-10"]),
        ("date=ge2025-02-10T10:00:00%2B01:00&date=lt2025-02-11", ["2025-02-10"]),
        # Statuses: FHIR's codes, OR'ed by a comma; with the date, AND.
        ("status=noshow,cancelled", ["2025-02-20", "2025-03-01", "2026-01-01"]),
        ("status=fulfilled&date=2025-02", ["2025-02-10"]),
        ("status:not=fulfilled", ["2025-02-20", "2025-03-01", "2026-01-01", "2026-06-15"]),
        ("status=booked", ["2026-06-15"]),
    ],
)
def test_dates_with_prefixes_and_statuses_narrow_the_appointments(
    diary: dict[str, Appointment],
    fhir_get: Get,
    tokens: dict[str, str],
    query: str,
    expected: list[str],
) -> None:
    bundle = search(fhir_get, tokens["front_desk"], query)
    assert days_of(bundle) == expected
    assert bundle["total"] == len(expected)


def test_partial_dates_name_whole_years_months_days_and_instants() -> None:
    start, end = date_range("2024-02", BERLIN)
    assert (start.isoformat(), end.isoformat()) == (
        "2024-02-01T00:00:00+01:00",
        "2024-03-01T00:00:00+01:00",
    )
    start, end = date_range("2024-12", BERLIN)
    assert end.date().isoformat() == "2025-01-01"
    start, end = date_range("2024-06-01T12:30:15.5Z", BERLIN)
    assert end - start == timedelta(milliseconds=100)


def test_a_malformed_date_is_a_400_outcome(
    diary: dict[str, Appointment], fhir_get: Get, tokens: dict[str, str]
) -> None:
    for bad in ("date=2025-13", "date=yesterday", "date=ge2025-02-30", "_count=many"):
        response = fhir_get(f"Appointment?{bad}", tokens["admin"])
        assert response.status_code == 400, bad
        assert response.json()["issue"][0]["code"] == "invalid"


def test_last_updated_narrows_by_the_last_change(
    diary: dict[str, Appointment], fhir_get: Get, tokens: dict[str, str]
) -> None:
    Appointment.objects.filter(pk=diary["2025-03-01"].pk).update(
        updated_at=datetime(2030, 5, 1, 12, tzinfo=BERLIN)
    )
    later = search(fhir_get, tokens["admin"], "_lastUpdated=ge2030-05")
    assert days_of(later) == ["2025-03-01"]
    assert later["entry"][0]["resource"]["meta"]["lastUpdated"].startswith("2030-05-01T10:00")
    rest = search(fhir_get, tokens["admin"], "_lastUpdated=lt2030")
    assert len(days_of(rest)) == len(DAYS) - 1


def test_count_pages_follow_next_links_to_the_end_with_the_total_on_each(
    diary: dict[str, Appointment], client: Client, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    url: str | None = f"http://testserver{BASE}/Appointment?_count=3&status:not=booked"
    seen: list[str] = []
    pages = []
    while url:
        bundle = client.get(url, headers=headers).json()
        pages.append(bundle)
        assert bundle["total"] == 6 and problems(bundle) == []
        seen += days_of(bundle)
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        url = links.get("next")
    assert [len(days_of(p)) for p in pages] == [3, 3]
    assert seen == [day for day, status in DAYS if status != AppointmentStatus.BOOKED]
    second = {link["relation"]: link["url"] for link in pages[1]["link"]}
    assert dict(parse_qsl(urlsplit(second["previous"]).query))["_offset"] == "0"
    assert dict(parse_qsl(urlsplit(second["self"]).query)) == {
        "status:not": "booked",
        "_count": "3",
        "_offset": "3",
    }
    assert all(e["search"]["mode"] == "match" for p in pages for e in p["entry"])
    assert pages[0]["entry"][0]["fullUrl"] == (
        f"http://testserver{BASE}/Appointment/{diary['2025-01-10'].pk}"
    )


def test_count_zero_gives_the_total_only_and_count_is_capped(
    diary: dict[str, Appointment], fhir_get: Get, tokens: dict[str, str]
) -> None:
    bundle = search(fhir_get, tokens["admin"], "_count=0")
    assert bundle["total"] == len(DAYS) and "entry" not in bundle
    capped = search(fhir_get, tokens["admin"], "_count=100000")
    assert "_count=500" in capped["link"][0]["url"]


def test_unknown_parameters_are_ignored_unless_the_client_asks_for_strict_handling(
    diary: dict[str, Appointment], fhir_get: Get, tokens: dict[str, str]
) -> None:
    lenient = search(fhir_get, tokens["admin"], "colour=blue&status=booked&status:fuzzy=x")
    assert lenient["total"] == 1
    self_query = dict(parse_qsl(urlsplit(lenient["link"][0]["url"]).query))
    assert "colour" not in self_query and "status:fuzzy" not in self_query
    assert self_query["status"] == "booked"
    strict = fhir_get(
        "Appointment?colour=blue&status=booked", tokens["admin"], Prefer="handling=strict"
    )
    assert strict.status_code == 400
    issue = strict.json()["issue"][0]
    assert issue["code"] == "not-supported" and "colour" in issue["diagnostics"]
    empty = fhir_get("Appointment?colour=", tokens["admin"], Prefer="handling=strict")
    assert empty.status_code == 400
    also = fhir_get("Appointment?status=booked", tokens["admin"], Prefer="handling=strict")
    assert also.status_code == 200


def test_patient_subject_practitioner_and_id_searches(
    diary: dict[str, Appointment],
    lindenhof_ids: dict[str, int],
    fhir_get: Get,
    tokens: dict[str, str],
    pedro: User,
) -> None:
    mine = diary["2025-01-10"].patient_id
    theirs = lindenhof_ids["patient_id"]
    admin = tokens["admin"]
    assert search(fhir_get, admin, f"patient=Patient/{mine}")["total"] == len(DAYS)
    assert search(fhir_get, admin, f"patient={theirs}")["total"] == 1
    assert search(fhir_get, admin, f"patient={mine},{theirs}")["total"] == len(DAYS) + 1
    assert search(fhir_get, admin, "patient=Practitioner/1")["total"] == 0
    assert search(fhir_get, admin, f"practitioner=Practitioner/{pedro.pk}")["total"] >= len(DAYS)
    wanted = [diary["2025-02-10"].pk, diary["2026-06-15"].pk]
    by_id = search(fhir_get, admin, f"_id={wanted[0]},{wanted[1]}")
    assert [int(e["resource"]["id"]) for e in by_id["entry"]] == wanted
    plans = fhir_get(f"CarePlan?subject=Patient/{theirs}&status=active", admin).json()
    assert plans["total"] == 1
    assert plans["entry"][0]["resource"]["subject"]["reference"] == f"Patient/{theirs}"
    first_day = plans["entry"][0]["resource"]["period"]["start"]
    assert fhir_get(f"CarePlan?date=eq{first_day}", admin).json()["total"] == 1
    assert fhir_get(f"CarePlan?date=gt{first_day}", admin).json()["total"] == 0
    assert fhir_get("Patient?patient=1", admin, Prefer="handling=strict").status_code == 400


def test_a_search_can_be_posted_as_a_form(
    diary: dict[str, Appointment], client: Client, tokens: dict[str, str]
) -> None:
    response = client.post(
        f"{BASE}/Appointment/_search",
        {"status": "fulfilled", "date": ["ge2025-02", "lt2026"]},
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code == 200
    assert days_of(response.json()) == ["2025-02-10", "2025-12-31"]


def test_a_type_with_several_sources_pages_across_them_in_a_stable_order(
    clinic: Clinic, alice: User
) -> None:
    from mesodesk.clinics.services import add_device, add_room

    rooms = [add_room(clinic=clinic, name=f"Room {n}") for n in range(3)]
    devices = [add_device(clinic=clinic, name=f"Gun {n}", device_type="meso_gun") for n in range(2)]
    both = FhirType(
        name="Basic",
        part=LOCATION.part,
        sources=(
            Source(**{**LOCATION.sources[0].__dict__, "prefix": "room-"}),
            Source(**{**DEVICE.sources[0].__dict__, "prefix": "device-"}),
        ),
    )
    ctx = Context(clinic=clinic, member=None, base="")
    order = [("room", r.pk) for r in rooms] + [("device", d.pk) for d in devices]
    for count in (1, 2, 4, 5):
        seen = []
        for offset in range(0, len(order), count):
            query = parse(
                both, ctx, [("_count", str(count)), ("_offset", str(offset))], strict=True
            )
            total, page = query.page()
            assert total == len(order)
            seen += [(s.prefix.rstrip("-"), row.pk) for s, row in page]
        assert seen == order
    only = parse(both, ctx, [("_id", f"device-{devices[1].pk},room-{rooms[0].pk}")], strict=True)
    assert [(s.prefix, row.pk) for s, row in only.page()[1]] == [
        ("room-", rooms[0].pk),
        ("device-", devices[1].pk),
    ]


def test_a_page_costs_the_same_statements_however_many_rows_it_holds(
    diary: dict[str, Appointment],
    lindenhof_ids: dict[str, int],
    fhir_get: Get,
    tokens: dict[str, str],
    clinic: Clinic,
    fiona: User,
) -> None:
    # The token's first use records when it was last used; the pages after it do not.
    fhir_get("metadata", tokens["admin"])
    fhir_get("Organization", tokens["admin"])
    counts = {}
    for type_name in ("Appointment", "CarePlan", "Patient", "Practitioner", "PractitionerRole"):
        for size in (1, 50):
            with statements() as found:
                assert fhir_get(f"{type_name}?_count={size}", tokens["admin"]).status_code == 200
            counts[type_name, size] = len(found)
        assert counts[type_name, 1] == counts[type_name, 50], type_name
    # The token, the COUNT, the page and (for patients' data) the access events' one
    # INSERT; CarePlan adds its two prefetches (sessions, their appointments).
    assert {name: n for (name, size), n in counts.items() if size == 50} == {
        "Appointment": 4,
        "CarePlan": 6,
        "Patient": 4,
        "Practitioner": 3,
        "PractitionerRole": 3,
    }
    more = [make_patient(clinic, fiona, f"More{n}") for n in range(5)]
    assert Patient.objects.filter(pk__in=[p.pk for p in more]).count() == 5
    with statements() as found:
        fhir_get("Patient?_count=50", tokens["admin"])
    assert len(found) == counts["Patient", 50]


def test_everything_costs_the_same_statements_however_long_the_record(
    diary: dict[str, Appointment], fhir_get: Get, tokens: dict[str, str], pedro: User
) -> None:
    patient = diary["2025-01-10"].patient
    fhir_get("metadata", tokens["admin"])
    fhir_get("Organization", tokens["admin"])
    sizes = []
    for extra in (0, 5):
        for n in range(extra):
            start = diary["2026-06-15"].start + timedelta(days=1 + n)
            Appointment.objects.create(
                clinic=patient.clinic,
                patient=patient,
                kind=AppointmentKind.FOLLOW_UP,
                practitioner=pedro,
                room=diary["2026-06-15"].room,
                start=start,
                end=start + timedelta(minutes=15),
                created_by=pedro,
            )
        with statements() as found:
            bundle = fhir_get(f"Patient/{patient.pk}/$everything", tokens["admin"]).json()
        sizes.append((len(bundle["entry"]), len(found)))
    assert sizes[1][0] == sizes[0][0] + 5
    assert sizes[1][1] == sizes[0][1], sizes


def test_patients_are_found_by_name_birth_date_and_gender(
    clinic: Clinic, fiona: User, fhir_get: Get, tokens: dict[str, str]
) -> None:
    from mesodesk.patients.services import register_patient

    for first, last, born, sex in [
        ("Anna", "Muster", "1990-01-02", "female"),
        ("Ben", "Annaberg", "1985-07-30", "male"),
        ("Cleo", "Stein", "1990-11-11", "female"),
    ]:
        patient = register_patient(clinic=clinic, by=fiona, first_name=first, last_name=last)
        Patient.objects.filter(pk=patient.pk).update(birth_date=born, sex=sex)

    def names(query: str) -> list[str]:
        bundle = fhir_get(f"Patient?{query}", tokens["front_desk"]).json()
        return [e["resource"]["name"][0]["family"] for e in bundle.get("entry", [])]

    assert names("name=anna") == ["Muster", "Annaberg"]
    assert names("birthdate=1990") == ["Muster", "Stein"]
    assert names("birthdate=ge1990-06&birthdate=lt1991") == ["Stein"]
    assert names("birthdate=eq1985-07-30") == ["Annaberg"]
    assert names("gender=female&name=e") == ["Muster", "Stein"]
    assert names("gender:not=female") == ["Annaberg"]
