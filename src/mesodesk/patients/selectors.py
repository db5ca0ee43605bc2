"""Reads of patients, their intakes, screenings and consents; always within one clinic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from itertools import pairwise
from typing import Any, NamedTuple

from django.apps import apps
from django.db import connections, router
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import RowRead, fetch_read
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.selectors import signed_consents
from mesodesk.core.formats.text import in_sentence
from mesodesk.core.inputs import INTAKE_FIELDS
from mesodesk.patients.choices import Verdict
from mesodesk.patients.models import (
    IntakeVersion,
    Patient,
    PatientMerge,
    ScreeningResult,
)
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.protocols.models import ClinicOverride, ProtocolVersion
from mesodesk.protocols.selectors import overrides_changed_at


class Change(NamedTuple):
    """One answer that differs between two intake versions."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Chart:
    """Everything recorded about one patient, read in a fixed number of queries."""

    patient: Patient
    intakes: list[IntakeVersion]
    # The changes each version brought, keyed by its number (version 1 has none).
    changes: dict[int, list[Change]]
    screenings: list[ScreeningResult]
    consents: list[SignedConsent]
    plans: list[TreatmentPlan] = field(default_factory=list)

    @property
    def current_screening(self) -> ScreeningResult | None:
        return self.screenings[-1] if self.screenings else None


def patient_list(clinic: Clinic, search: str = "") -> QuerySet[Patient]:
    """The clinic's patients by name; every word of `search` must match a name, e-mail or
    phone number. A record whose erasure was granted is listed by its number ("#12") and
    found by it, never by the name it had."""
    qs = Patient.objects.filter(clinic=clinic, merged_into__isnull=True)
    for word in search.split():
        number = word.removeprefix("#")
        by_number = Q(pk=int(number)) if number.isdigit() and len(number) < 12 else Q(pk__in=[])
        qs = qs.filter(
            (
                Q(erased_at__isnull=True)
                & (
                    Q(last_name__icontains=word)
                    | Q(first_name__icontains=word)
                    | Q(email__icontains=word)
                    | Q(phone__icontains=word)
                )
            )
            | (Q(erased_at__isnull=False) & by_number)
        )
    return qs.order_by("last_name", "first_name", "id")


class Duplicate(NamedTuple):
    """A record that may be the same person, and why it looks so."""

    patient: Patient
    reasons: list[str]


DUPLICATES_SHOWN = 5


def likely_duplicates(
    clinic: Clinic,
    *,
    first_name: str,
    last_name: str,
    birth_date: date | None,
    email: str = "",
    phone: str = "",
    exclude: Patient | None = None,
) -> list[Duplicate]:
    """The clinic's records (not merged ones) that are likely the same person: the same
    name (any case) and birth date, the same e-mail address, or the same phone number
    (`phone` in E.164, as stored). One query in plain SQL (mesodesk.rows: every chart asks
    it), none when there is nothing to match on."""
    by_name, by_email, by_phone = birth_date is not None, bool(email.strip()), bool(phone)
    if not (by_name or by_email or by_phone):
        return []
    db = router.db_for_read(Patient)
    params: list[Any] = [clinic.pk]
    if exclude is not None:
        params.append(exclude.pk)
    if by_name:
        params += [first_name.strip(), last_name.strip(), birth_date]
    if by_email:
        params.append(email.strip())
    if by_phone:
        params.append(phone)
    sql = _duplicates_sql(db, exclude is not None, by_name, by_email, by_phone)
    shape = rows.shape(Patient, db)
    out = []
    for row in rows.fetch(sql, [*params, DUPLICATES_SHOWN], db):
        patient: Patient = shape.load(row, 0, db)
        rows.attach(patient, "clinic", clinic)
        reasons = []
        if (
            birth_date is not None
            and patient.birth_date == birth_date
            and patient.first_name.casefold() == first_name.strip().casefold()
            and patient.last_name.casefold() == last_name.strip().casefold()
        ):
            reasons.append("same name and birth date")
        if email.strip() and patient.email.casefold() == email.strip().casefold():
            reasons.append("same e-mail address")
        if phone and patient.phone == phone:
            reasons.append("same phone number")
        out.append(Duplicate(patient, reasons))
    return out


@cache
def _duplicates_sql(db: str, excluding: bool, by_name: bool, by_email: bool, by_phone: bool) -> str:
    """`likely_duplicates`' statement for the facts it has; names and e-mail addresses
    compared in any case (as the ORM's `iexact`)."""
    matches = []
    if by_name:
        matches.append(
            "(UPPER(first_name) = UPPER(%s) AND UPPER(last_name) = UPPER(%s) AND birth_date = %s)"
        )
    if by_email:
        matches.append("UPPER(email) = UPPER(%s)")
    if by_phone:
        matches.append("phone = %s")
    where = "clinic_id = %s AND merged_into_id IS NULL" + (" AND id <> %s" if excluding else "")
    table = rows.table(Patient, db)
    return (
        f"SELECT {rows.columns(Patient, table, db)} FROM {table}"  # noqa: S608 - names from the models, values as parameters
        f" WHERE {where} AND ({' OR '.join(matches)}) ORDER BY created_at DESC, id DESC LIMIT %s"
    )


def duplicates_of(clinic: Clinic, patient: Patient) -> list[Duplicate]:
    """The records likely to be the same person as `patient` (see likely_duplicates)."""
    return likely_duplicates(
        clinic,
        first_name=patient.first_name,
        last_name=patient.last_name,
        birth_date=patient.birth_date,
        email=patient.email,
        phone=patient.phone,
        exclude=patient,
    )


def merge_record(clinic: Clinic, patient: Patient) -> PatientMerge | None:
    """How `patient` was merged into another record, if it was."""
    return (
        PatientMerge.objects.filter(clinic=clinic, merged=patient)
        .select_related("kept", "by")
        .first()
    )


def get_patient(clinic: Clinic, patient_id: int) -> Patient:
    """The clinic's patient with this id; Http404 for another clinic's patient or none.

    Plain SQL (mesodesk.rows): the most common read there is, on every patient request."""
    patient = rows.one(Patient, clinic_id=clinic.pk, id=patient_id)
    if patient is None:
        raise Http404("No such patient.")
    rows.attach(patient, "clinic", clinic)
    return patient


def patient_read(patient_id: int) -> RowRead:
    """The read of the patient with this id (`patient_from_row` makes them of the row), for
    api.common.read_one, which reads them only of the caller's clinic and logs the access
    event of reading the record: one statement on PostgreSQL."""
    db = router.db_for_write(AccessEvent)
    return RowRead(Patient, rows.one_sql(Patient, ("id",), db), [patient_id], patient_column="id")


def patient_from_row(clinic: Clinic, row: Sequence[Any]) -> Patient:
    """The patient of a row of `patient_read` or `get_patient_for_read` (a row of `clinic`,
    read where access events are written)."""
    db = router.db_for_write(AccessEvent)
    patient: Patient = rows.shape(Patient, db).load(row, 0, db)
    rows.attach(patient, "clinic", clinic)
    return patient


def get_patient_for_read(
    clinic: Clinic, patient_id: int, *, user: User | None, request: HttpRequest | None = None
) -> Patient:
    """The clinic's patient, as get_patient, and an AccessEvent saying who read it from where
    (on PostgreSQL in the same statement: audit.services.fetch_read).

    For views and API endpoints that show a patient's record.
    """
    db = router.db_for_write(AccessEvent)
    found = fetch_read(
        clinic=clinic,
        user=user,
        model=Patient,
        sql=rows.one_sql(Patient, ("clinic_id", "id"), db),
        params=[clinic.pk, patient_id],
        patient_column="id",
        ip=client_ip(request) if request is not None else None,
        path=request.get_full_path() if request is not None else "",
    )
    if not found:
        raise Http404("No such patient.")
    return patient_from_row(clinic, found[0])


# The parts of a chart read only when the patient has rows there (`chart_patient_for_read`
# says which): a new patient's chart then costs a handful of statements, not twenty.
# Part name -> (model label, the column naming the patient).
CHART_PARTS: dict[str, tuple[str, str]] = {
    "intakes": ("patients.IntakeVersion", "patient_id"),
    "screenings": ("patients.ScreeningResult", "patient_id"),
    "merges_in": ("patients.PatientMerge", "kept_id"),
    "plans": ("planning.TreatmentPlan", "patient_id"),
    "consents": ("consents.SignedConsent", "patient_id"),
    "side_effects": ("safety.SideEffectReport", "patient_id"),
    "events": ("safety.AdverseEvent", "patient_id"),
    "deletion_requests": ("portal.DeletionRequest", "patient_id"),
    "records": ("charting.SessionRecord", "patient_id"),
    "reminders": ("messaging.Reminder", "patient_id"),
}


def chart_patient_for_read(
    clinic: Clinic, patient_id: int, *, user: User | None, request: HttpRequest
) -> tuple[Patient, frozenset[str]]:
    """The clinic's patient with their contact preferences, the access event of reading
    the record (as `get_patient_for_read`), and which of CHART_PARTS have rows of them:
    one statement on PostgreSQL, two elsewhere. Http404 for another clinic's or none.

    What is present is read in the same statement as the patient; a part that gains its
    first row after it is shown on the next view, as anything written after a read is."""
    db = router.db_for_write(AccessEvent)
    found = fetch_read(
        clinic=clinic,
        user=user,
        model=Patient,
        sql=_chart_patient_sql(db),
        params=[clinic.pk, patient_id],
        patient_column="id",
        ip=client_ip(request),
        path=request.get_full_path(),
    )
    if not found:
        raise Http404("No such patient.")
    patient, end = _patient_with_preferences(found[0], clinic, db)
    flags = found[0][end:]
    present = frozenset(part for part, flag in zip(CHART_PARTS, flags, strict=True) if flag)
    return patient, present


def get_patient_with_preferences(clinic: Clinic, patient_id: int) -> Patient:
    """The clinic's patient, as get_patient, with their contact preferences read in the
    same statement (cached on the patient; none when they never chose): what a booking's
    reminders ask next. Http404 for another clinic's patient or none."""
    db = router.db_for_read(Patient)
    found = rows.fetch(_patient_with_preferences_sql(db), [clinic.pk, patient_id], db)
    if not found:
        raise Http404("No such patient.")
    return _patient_with_preferences(found[0], clinic, db)[0]


def _patient_with_preferences(row: Any, clinic: Clinic, db: str) -> tuple[Patient, int]:
    """The patient and their preferences (cached on it) from a row of
    `_patient_with_preferences_sql`'s columns, and where the row's next column is."""
    patient_shape = rows.shape(Patient, db)
    patient = patient_shape.load(row, 0, db)
    rows.attach(patient, "clinic", clinic)
    preferences_model = Patient.contact_preferences.related.related_model
    preferences_shape = rows.shape(preferences_model, db)
    start = patient_shape.width
    preferences = None
    if row[start + preferences_shape.pk_index] is not None:
        preferences = preferences_shape.load(row, start, db)
        rows.attach(preferences, "patient", patient)
    Patient.contact_preferences.related.set_cached_value(patient, preferences)
    return patient, start + preferences_shape.width


@cache
def _patient_with_preferences_sql(db: str, extra: str = "") -> str:
    """The patient (p) and their contact preferences (c, columns renamed: the row must
    name `id` once for fetch_read), then `extra` columns."""
    quote = connections[db].ops.quote_name
    preferences_model = Patient.contact_preferences.related.related_model
    p, c = rows.table(Patient, db), rows.table(preferences_model, db)
    preferences = ", ".join(
        f"c.{quote(column)} AS {quote('c_' + column)}"
        for column in (str(f.column) for f in preferences_model._meta.concrete_fields)
    )
    return (
        f"SELECT {rows.columns(Patient, 'p', db)}, {preferences}{extra}"  # noqa: S608 - names from the models, values as parameters
        f" FROM {p} p LEFT JOIN {c} c ON c.patient_id = p.id"
        " WHERE p.clinic_id = %s AND p.id = %s"
    )


@cache
def _chart_patient_sql(db: str) -> str:
    """The patient with their contact preferences and one EXISTS for each of CHART_PARTS."""
    quote = connections[db].ops.quote_name
    exists = []
    for label, column in CHART_PARTS.values():
        table = rows.table(apps.get_model(label), db)
        exists.append(
            f"EXISTS (SELECT 1 FROM {table} x WHERE x.clinic_id = p.clinic_id"  # noqa: S608 - names from the models
            f" AND x.{quote(column)} = p.id)"
        )
    return _patient_with_preferences_sql(db, ", " + ", ".join(exists))


def intake_versions(clinic: Clinic, patient: Patient) -> QuerySet[IntakeVersion]:
    """The patient's intake versions, oldest first."""
    return IntakeVersion.objects.filter(clinic=clinic, patient=patient).order_by("number")


def get_intake(clinic: Clinic, intake_id: int) -> IntakeVersion:
    """The clinic's intake version with this id; Http404 otherwise."""
    return get_object_or_404(
        IntakeVersion.objects.select_related("patient"), clinic=clinic, pk=intake_id
    )


def latest_intake(clinic: Clinic, patient: Patient) -> IntakeVersion | None:
    """The patient's newest intake version, if they have one: a prepared statement made
    once (mesodesk.rows), since every session booking and slot search reads it (the ORM's
    query took two thirds of the read's time to build and load, issue 15)."""
    version = rows.one(
        IntakeVersion,
        router.db_for_read(IntakeVersion),
        newest_by=("number",),
        clinic_id=clinic.pk,
        patient_id=patient.pk,
    )
    if version is not None:
        rows.attach(version, "clinic", clinic)
        rows.attach(version, "patient", patient)
    return version


def intake_changes(older: IntakeVersion, newer: IntakeVersion) -> list[Change]:
    """The answers that differ from `older` to `newer`, in questionnaire order."""
    before, after = older.answers, newer.answers
    keys = [*INTAKE_FIELDS, *sorted((set(before) | set(after)) - set(INTAKE_FIELDS))]
    return [
        Change(key, before.get(key), after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    ]


def _screenings(clinic: Clinic) -> QuerySet[ScreeningResult]:
    return (
        ScreeningResult.objects.filter(clinic=clinic)
        .select_related("protocol_version", "signed_off_by", "intake")
        .defer("protocol_version__files", "protocol_version__data")
    )


def screenings(clinic: Clinic, patient: Patient) -> QuerySet[ScreeningResult]:
    """The patient's screenings, oldest first, with their protocol version and sign-off."""
    return _screenings(clinic).filter(patient=patient).order_by("computed_at", "id")


def get_screening(clinic: Clinic, screening_id: int) -> ScreeningResult:
    """The clinic's screening with this id; Http404 otherwise."""
    return get_object_or_404(_screenings(clinic), pk=screening_id)


def current_screening(clinic: Clinic, patient: Patient) -> ScreeningResult | None:
    """The patient's latest screening (by when it was computed, then id), if any, with its
    protocol version (its library left deferred), sign-off and intake, as `screenings`
    reads them. One query in plain SQL (mesodesk.rows): the chart, the booking pages and
    the portal read it on every view."""
    db = router.db_for_read(ScreeningResult)
    found = rows.fetch(_screening_sql(db, for_booking=False), [clinic.pk, patient.pk], db)
    return _screening_of(found[0], clinic, db) if found else None


# A screening's row: the screening, its protocol version (whose library files and data,
# large JSON, are not read with it), sign-off and intake.
_SCREENING_PARTS: tuple[tuple[type[Any], str], ...] = (
    (ScreeningResult, "s"),
    (ProtocolVersion, "v"),
    (User, "u"),
    (IntakeVersion, "i"),
)
_WITHOUT_LIBRARY: dict[type[Any], tuple[str, ...]] = {ProtocolVersion: ("files", "data")}


def _screening_of(row: tuple[Any, ...], clinic: Clinic, db: str) -> ScreeningResult:
    """The screening of a `_screening_sql` row (from its model columns on), with its
    related rows attached."""
    models = [model for model, _ in _SCREENING_PARTS]
    ((screening, version, signed_off_by, intake),) = rows.load_all(
        [row], *models, db=db, without=_WITHOUT_LIBRARY
    )
    rows.attach(screening, "clinic", clinic)
    rows.attach(screening, "protocol_version", version)
    rows.attach(screening, "signed_off_by", signed_off_by)
    rows.attach(screening, "intake", intake)
    return screening


# The columns `_screening_sql(for_booking=True)` puts before the screening's.
_BOOKING_FACTS = 3


@cache
def _screening_sql(db: str, *, for_booking: bool) -> str:
    """The latest screening of (clinic, patient) with protocol version, sign-off and
    intake; `for_booking` puts first the patient's latest intake id and the last change
    and removal of the clinic's overrides. Parameters: for booking first clinic, patient,
    clinic, clinic, "-" (those columns'); then clinic, patient."""
    s, v, u, i = (rows.table(model, db) for model, _ in _SCREENING_PARTS)
    selected = rows.columns_of(*_SCREENING_PARTS, db=db, without=_WITHOUT_LIBRARY)
    if for_booking:
        history = ClinicOverride.history.model
        o, h = rows.table(ClinicOverride, db), rows.table(history, db)
        selected = (
            f"(SELECT x.id FROM {i} x WHERE x.clinic_id = %s AND x.patient_id = %s"  # noqa: S608 - names from the models, values as parameters
            " ORDER BY x.number DESC LIMIT 1)"
            f", (SELECT o.updated_at FROM {o} o WHERE o.clinic_id = %s"
            " ORDER BY o.updated_at DESC LIMIT 1)"
            f", (SELECT h.history_date FROM {h} h WHERE h.clinic_id = %s AND h.history_type = %s"
            f" ORDER BY h.history_date DESC LIMIT 1), {selected}"
        )
    return (
        f"SELECT {selected} FROM {s} s"  # noqa: S608 - names from the models, values as parameters
        f" JOIN {v} v ON v.id = s.protocol_version_id"
        f" LEFT JOIN {u} u ON u.id = s.signed_off_by_id"
        f" JOIN {i} i ON i.id = s.intake_id"
        " WHERE s.clinic_id = %s AND s.patient_id = %s ORDER BY s.computed_at DESC, s.id DESC"
        " LIMIT 1"
    )


def withheld(screening: ScreeningResult, member: Membership | None) -> ScreeningResult:
    """The screening as `member` may read it (clinics.reading): without its findings and
    sign-off reason for a member who reads verdicts only. Changed in memory, never saved."""
    if member is not None and not may_read(member, Part.FINDINGS):
        screening.findings = []
        screening.sign_off_reason = ""
    return screening


def patient_chart(
    clinic: Clinic,
    patient_id: int,
    member: Membership | None = None,
    *,
    read: tuple[Patient, frozenset[str]] | None = None,
) -> Chart:
    """The patient's chart as `member` may read it (clinics.reading; None: whole): intakes
    with what changed, screenings, consents, plans with their planned sessions. The front
    desk's has no intakes and screenings without findings. Http404 for another clinic's
    patient. Six queries at most (five for the front desk); the patient comes with their
    reminder choices, which the chart shows. With `read` (what `chart_patient_for_read`
    returned), the patient is not read again and a part without rows is not queried."""
    if read is None:
        patient = get_object_or_404(
            Patient.objects.select_related("contact_preferences"), clinic=clinic, pk=patient_id
        )
        present = frozenset(CHART_PARTS)
    else:
        patient, present = read
    answers = member is None or may_read(member, Part.ANSWERS)
    intakes = (
        list(intake_versions(clinic, patient).select_related("created_by"))
        if answers and "intakes" in present
        else []
    )
    changes: dict[int, list[Change]] = {intakes[0].number: []} if intakes else {}
    for older, newer in pairwise(intakes):
        changes[newer.number] = intake_changes(older, newer)
    plans = (
        list(
            TreatmentPlan.objects.filter(clinic=clinic, patient=patient)
            .order_by("created_at", "id")
            .prefetch_related(
                Prefetch(
                    "sessions",
                    queryset=PlannedSession.objects.filter(clinic=clinic).order_by("number"),
                )
            )
        )
        if "plans" in present
        else []
    )
    return Chart(
        patient=patient,
        intakes=intakes,
        changes=changes,
        screenings=[withheld(s, member) for s in screenings(clinic, patient)]
        if "screenings" in present
        else [],
        consents=list(signed_consents(clinic, patient)) if "consents" in present else [],
        plans=plans,
    )


def stale_reason(
    clinic: Clinic,
    patient: Patient,
    screening: ScreeningResult,
    *,
    plan: TreatmentPlan | None,
    protocol_version: ProtocolVersion | None,
) -> str | None:
    """Why `screening` no longer says what the rules say for a session under `plan`, or
    None while it does: it must be of the patient's latest intake, of that plan (None: no
    plan), of `protocol_version` (the stored version of the library screening runs on now;
    None if not stored yet) and no older than the last change of the clinic's overrides.
    Three small queries at most."""
    latest = (
        IntakeVersion.objects.filter(clinic=clinic, patient=patient)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    return _why_stale(
        screening,
        latest_intake_id=latest,
        plan=plan,
        same_protocol=(
            protocol_version is not None and screening.protocol_version_id == protocol_version.pk
        ),
        overrides_changed=lambda: overrides_changed_at(clinic=clinic),
    )


def _why_stale(
    screening: ScreeningResult,
    *,
    latest_intake_id: int | None,
    plan: TreatmentPlan | None,
    same_protocol: bool,
    overrides_changed: Callable[[], datetime | None],
) -> str | None:
    if screening.intake_id != latest_intake_id:
        return "a newer intake"
    if screening.plan_id != (plan.pk if plan is not None else None):
        return "another plan"
    if not same_protocol:
        return "another protocol version"
    changed = overrides_changed()
    if changed is not None and screening.computed_at < changed:
        return "the clinic's overrides changed"
    return None


def screening_for_booking(clinic: Clinic, patient: Patient) -> ScreeningResult | None:
    """The patient's current screening (as `current_screening`, with its intake and protocol
    version) carrying, from the same query, what `stale_reason_for_booking` needs: the
    patient's latest intake and the last change of the clinic's overrides. Booking a
    session reads it once, under the patient's lock."""
    db = router.db_for_read(ScreeningResult)
    params = [clinic.pk, patient.pk, clinic.pk, clinic.pk, "-", clinic.pk, patient.pk]
    found = rows.fetch(_screening_sql(db, for_booking=True), params, db)
    if not found:
        return None
    latest, updated, removed = found[0][:_BOOKING_FACTS]
    screening = _screening_of(found[0][_BOOKING_FACTS:], clinic, db)
    history = ClinicOverride.history.model
    screening.latest_intake_id = latest  # type: ignore[attr-defined]
    screening.overrides_updated_at = rows.converted(updated, ClinicOverride, "updated_at", db)  # type: ignore[attr-defined]
    screening.override_removed_at = rows.converted(removed, history, "history_date", db)  # type: ignore[attr-defined]
    return screening


def stale_reason_for_booking(
    screening: ScreeningResult, *, plan: TreatmentPlan | None, library_hash: str
) -> str | None:
    """`stale_reason` of a screening from `screening_for_booking`, with no query: the
    library screening runs on now is the one whose content hash is `library_hash` (stored
    versions are unique by content)."""
    changes = (
        screening.overrides_updated_at,  # type: ignore[attr-defined]
        screening.override_removed_at,  # type: ignore[attr-defined]
    )
    return _why_stale(
        screening,
        latest_intake_id=screening.latest_intake_id,  # type: ignore[attr-defined]
        plan=plan,
        same_protocol=screening.protocol_version.content_hash == library_hash,
        overrides_changed=lambda: max((at for at in changes if at is not None), default=None),
    )


def session_refusal(screening: ScreeningResult | None) -> tuple[str, str] | None:
    """Why this screening lets no treatment session be booked, as (code, reason) — codes
    "no_intake", "ineligible", "not_signed_off" — or None if it allows one."""
    if screening is None:
        return "no_intake", "no intake yet"
    if screening.verdict == Verdict.INELIGIBLE:
        reasons = [
            f"{in_sentence(f['label'])} ({f['severity']})"
            for f in screening.findings
            if f["severity"] == "absolute"
        ]
        if not reasons:  # findings withheld from this reader (clinics.reading)
            return (
                "ineligible",
                "not suitable under the clinic's protocol (a practitioner says why)",
            )
        return "ineligible", "not suitable: " + ", ".join(reasons)
    if screening.verdict == Verdict.REVIEW and screening.signed_off_at is None:
        return "not_signed_off", "needs a practitioner's sign-off"
    return None


def may_book_session(
    clinic: Clinic, patient: Patient, member: Membership | None = None
) -> tuple[bool, str]:
    """Whether the patient's current screening lets a treatment session be booked, and if
    not, why ("not suitable: pregnancy (absolute)", "needs a practitioner's sign-off",
    "no intake yet"), as `member` may read it: the front desk is not told which findings.

    Judges the screening as stored, in one query: booking screens again first when it is
    stale (`services.rescreen_if_stale`), and may then refuse what this allowed."""
    return session_permission(current_screening(clinic, patient), member)


def session_permission(
    screening: ScreeningResult | None, member: Membership | None = None
) -> tuple[bool, str]:
    """`may_book_session` of a screening already read (a page that shows it too)."""
    refusal = session_refusal(screening and withheld(screening, member))
    return (True, "") if refusal is None else (False, refusal[1])


def with_current_verdict(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """`patients`, each annotated with `current_verdict` and `current_signed_off_at`: those
    of their latest screening (None without one). For lists: one query, however long."""
    latest = ScreeningResult.objects.filter(patient=OuterRef("pk")).order_by("-computed_at", "-id")
    return patients.annotate(
        current_verdict=Subquery(latest.values("verdict")[:1]),
        current_signed_off_at=Subquery(latest.values("signed_off_at")[:1]),
    )


# --- the patient portal ------------------------------------------------------------------


def portal_records(user: User) -> QuerySet[Patient]:
    """The patient records `user` signs in to the portal for, with their clinics."""
    if not user.is_authenticated:
        return Patient.objects.none()
    return (
        Patient.objects.filter(portal_user=user, merged_into__isnull=True)
        .select_related("clinic")
        .order_by("id")
    )


def portal_clinic_and_patient(slug: str, user: Any) -> tuple[Clinic | None, Patient | None]:
    """The clinic of a portal address and, as `portal_patient`, its patient whose portal
    account `user` is (None for an anonymous visitor): in one statement of plain SQL,
    which every portal page asks (mesodesk.rows)."""
    db = router.db_for_read(Patient)
    user_id = user.pk if user.is_authenticated else None
    found = rows.fetch(_portal_sql(db), [user_id, slug], db)
    if not found:
        return None, None
    clinic, patient = rows.load_all(found, Clinic, Patient, db=db)[0]
    if patient is not None:
        rows.attach(patient, "clinic", clinic)
    return clinic, patient


@cache
def _portal_sql(db: str) -> str:
    return (
        f"SELECT {rows.columns_of((Clinic, 'c'), (Patient, 'p'), db=db)}"  # noqa: S608 - names from the models, values as parameters
        f" FROM {rows.table(Clinic, db)} c LEFT JOIN {rows.table(Patient, db)} p"
        " ON p.clinic_id = c.id AND p.portal_user_id = %s AND p.merged_into_id IS NULL"
        " WHERE c.slug = %s ORDER BY p.id LIMIT 1"
    )


def portal_patient(clinic: Clinic, user: User) -> Patient | None:
    """The clinic's patient whose portal account is `user`, if there is one."""
    if not user.is_authenticated:
        return None
    return (
        Patient.objects.filter(clinic=clinic, portal_user=user, merged_into__isnull=True)
        .order_by("id")
        .first()
    )
