"""Reads of safety records; always within one clinic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.charting.models import Administration
from mesodesk.clinics import reading
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.core.library import Library, load_library
from mesodesk.core.signals import KINDS, Signal, UnitCount, signals
from mesodesk.inventory.models import Lot, Product
from mesodesk.patients.models import Patient
from mesodesk.safety.choices import Outcome
from mesodesk.safety.models import AdverseEvent, FollowUp, SideEffectReport, Suspect


def side_effect_reports(
    clinic: Clinic, patient: Patient | None = None
) -> QuerySet[SideEffectReport]:
    """The clinic's side-effect reports (of one patient, if given), newest first."""
    qs = SideEffectReport.objects.filter(clinic=clinic).select_related("patient")
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.order_by("-created_at", "-id")


def urgent_since(clinic: Clinic, since: datetime) -> list[SideEffectReport]:
    """Urgent reports (a warning sign ticked, or called severe) sent since `since` and not
    yet closed or triaged, newest first: what staff must see at once (the patient was also
    told to call the clinic today, or emergency services). One query in plain SQL
    (mesodesk.rows), with each report's patient: Today asks on every view."""
    db = router.db_for_read(SideEffectReport)
    at = connections[db].ops.adapt_datetimefield_value(since)
    found = rows.load_all(
        rows.fetch(_open_reports_sql(db), [clinic.pk, at], db), SideEffectReport, Patient, db=db
    )
    urgent = []
    for report, patient in found:
        rows.attach(report, "clinic", clinic)
        rows.attach(report, "patient", patient)
        if report.urgent:
            urgent.append(report)
    return urgent


@cache
def _open_reports_sql(db: str) -> str:
    r, p = rows.table(SideEffectReport, db), rows.table(Patient, db)
    return (
        f"SELECT {rows.columns(SideEffectReport, 'r', db)}, {rows.columns(Patient, 'p', db)}"  # noqa: S608 - names from the models, values as parameters
        f" FROM {r} r JOIN {p} p ON p.id = r.patient_id"
        " WHERE r.clinic_id = %s AND r.created_at >= %s AND r.closed_at IS NULL"
        " ORDER BY r.created_at DESC, r.id DESC"
    )


def labelled(report: SideEffectReport, library: Library) -> dict[str, object]:
    """A report with its symptoms and warning signs in the library's words."""
    symptoms = {e.code: e.label for e in library.side_effects}
    flags = {f.code: f.label for f in library.red_flags}
    return {
        "report": report,
        "symptoms": [symptoms.get(code, code) for code in report.symptoms],
        "red_flags": [flags.get(code, code) for code in report.red_flags],
    }


# --- Adverse events -------------------------------------------------------------------

# Who reads what an event holds (the clinic's read policy); front desk learns only that
# one exists.
CLINICAL_ROLES = reading.CLINICAL_ROLES


def may_read_events(member: Membership) -> bool:
    """Whether this member reads events' content and records or triages them."""
    return reading.may_read(member, reading.Part.EVENTS)


def require_clinical(member: Membership) -> None:
    if not may_read_events(member):
        raise PermissionDenied("Front desk sees that an adverse event exists, not what it holds.")


def open_reports(clinic: Clinic) -> QuerySet[SideEffectReport]:
    """Reports nobody has closed or triaged yet, newest first."""
    return side_effect_reports(clinic).filter(closed_at__isnull=True)


def get_report(clinic: Clinic, report_id: int) -> SideEffectReport:
    return get_object_or_404(side_effect_reports(clinic), pk=report_id)


@dataclass(frozen=True)
class Current:
    """An event's state now: as recorded, with its follow-ups applied in order."""

    grade: int
    serious: bool
    outcome: str
    actions_taken: str
    follow_up_on: date | None
    follow_ups: int

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label


def current(event: AdverseEvent) -> Current:
    grade, serious, outcome = event.grade, event.serious, event.outcome
    actions, follow_up_on = event.actions_taken, event.follow_up_on
    entries = list(event.follow_ups.all())
    for entry in entries:
        grade = entry.grade if entry.grade is not None else grade
        serious = entry.serious if entry.serious is not None else serious
        outcome = entry.outcome or outcome
        actions = entry.actions_taken or actions
        follow_up_on = entry.follow_up_on  # each entry sets the next date, or ends them
    return Current(grade, serious, outcome, actions, follow_up_on, len(entries))


def _events(clinic: Clinic) -> QuerySet[AdverseEvent]:
    return (
        AdverseEvent.objects.filter(clinic=clinic)
        .select_related("patient", "practitioner", "recorded_by", "device", "session_record")
        .prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("by")),
            Prefetch(
                "suspects",
                queryset=Suspect.objects.select_related("lot", "product", "administration"),
            ),
        )
    )


def event_count(clinic: Clinic, patient: Patient) -> int:
    """How many adverse events the patient has: all front desk may learn."""
    return AdverseEvent.objects.filter(clinic=clinic, patient=patient).count()


def events_of_patient(
    clinic: Clinic, patient: Patient, *, member: Membership
) -> list[AdverseEvent]:
    """The patient's events with their follow-ups and suspects, newest first, for a
    clinical role (PermissionDenied for front desk); the caller logs the read."""
    require_clinical(member)
    return list(_events(clinic).filter(patient=patient).order_by("-recorded_at", "-id"))


def recent_events(clinic: Clinic, *, member: Membership, limit: int = 50) -> list[AdverseEvent]:
    require_clinical(member)
    return list(_events(clinic).order_by("-recorded_at", "-id")[:limit])


def get_event(clinic: Clinic, event_id: int, *, member: Membership) -> AdverseEvent:
    """The clinic's event (Http404 for another clinic's), for a clinical role."""
    event = get_object_or_404(_events(clinic), pk=event_id)
    require_clinical(member)
    return event


def follow_ups_due(clinic: Clinic, day: date) -> list[tuple[AdverseEvent, date]]:
    """Events whose follow-up date has come by `day` (and no later entry moved or ended
    it): the reminders staff see on Today. Names only; the page links to the chart.
    The events that have a follow-up date or entries, with their patients, in one query in
    plain SQL (Today asks on every view); their entries in a second, only when there are
    such events."""
    db = router.db_for_read(AdverseEvent)
    found = rows.load_all(
        rows.fetch(_followed_events_sql(db), [clinic.pk], db), AdverseEvent, Patient, db=db
    )
    candidates = []
    for event, patient in found:
        rows.attach(event, "clinic", clinic)
        rows.attach(event, "patient", patient)
        candidates.append(event)
    prefetch_related_objects(candidates, "follow_ups")
    due = []
    for event in candidates:
        when = current(event).follow_up_on
        if when is not None and when <= day:
            due.append((event, when))
    return sorted(due, key=lambda pair: (pair[1], pair[0].pk))


@cache
def _followed_events_sql(db: str) -> str:
    e, p, f = (rows.table(m, db) for m in (AdverseEvent, Patient, FollowUp))
    return (
        f"SELECT {rows.columns(AdverseEvent, 'e', db)}, {rows.columns(Patient, 'p', db)}"  # noqa: S608 - names from the models, values as parameters
        f" FROM {e} e JOIN {p} p ON p.id = e.patient_id WHERE e.clinic_id = %s AND"
        f" (e.follow_up_on IS NOT NULL OR EXISTS (SELECT 1 FROM {f} f WHERE f.event_id = e.id))"
    )


def event_label(event: AdverseEvent, library: Library) -> str:
    term = library.adverse_events.get(event.event)
    return term.label if term else event.event


# --- Signals --------------------------------------------------------------------------


def signal_counts(clinic: Clinic) -> tuple[list[UnitCount], dict[str, tuple[int, int]]]:
    """Administrations and adverse events per lot, product, technique and practitioner,
    and the clinic's totals per kind, for `core.signals.signals`. Administrations marked
    entered in error were never given and are not counted."""
    library = load_library()
    given = Administration.objects.filter(clinic=clinic, entered_in_error_at__isnull=True)
    admin_counts: dict[tuple[str, str], int] = defaultdict(int)
    totals_admin: dict[str, int] = defaultdict(int)
    for row in given.values(
        "lot_id", "product_id", "technique", "record__practitioner_id"
    ).annotate(n=Count("id")):
        units = {
            "lot": row["lot_id"],
            "product": row["product_id"],
            "technique": row["technique"] or None,
            "practitioner": row["record__practitioner_id"],
        }
        for kind, key in units.items():
            if key is not None:
                admin_counts[(kind, str(key))] += row["n"]
                totals_admin[kind] += row["n"]
    event_counts: dict[tuple[str, str], int] = defaultdict(int)
    totals_events: dict[str, int] = defaultdict(int)
    events = AdverseEvent.objects.filter(clinic=clinic).prefetch_related(
        Prefetch("suspects", queryset=Suspect.objects.select_related("administration"))
    )
    for event in events:
        suspects = list(event.suspects.all())
        suspected: dict[str, set[str]] = {
            "lot": {str(s.lot_id) for s in suspects if s.lot_id},
            "product": {str(s.product_id) for s in suspects},
            "technique": {event.technique} - {""}
            | {s.administration.technique for s in suspects if s.administration is not None},
            "practitioner": {str(event.practitioner_id)} if event.practitioner_id else set(),
        }
        for kind, found in suspected.items():
            if found:
                totals_events[kind] += 1
            for key in found:
                event_counts[(kind, key)] += 1
    keys = set(admin_counts) | set(event_counts)
    labels = _labels(clinic, keys, library)
    counts = [
        UnitCount(
            kind=kind,
            key=key,
            label=labels.get((kind, key), key),
            events=event_counts.get((kind, key), 0),
            administrations=admin_counts.get((kind, key), 0),
        )
        for kind, key in sorted(keys)
    ]
    totals = {kind: (totals_events[kind], totals_admin[kind]) for kind in KINDS}
    return counts, totals


def _labels(
    clinic: Clinic, keys: set[tuple[str, str]], library: Library
) -> dict[tuple[str, str], str]:
    ids = defaultdict(set)
    for kind, key in keys:
        ids[kind].add(key)
    labels: dict[tuple[str, str], str] = {}
    for lot in Lot.objects.filter(clinic=clinic, pk__in=ids["lot"]).select_related("product"):
        labels[("lot", str(lot.pk))] = f"{lot.product.name}, lot {lot.number}"
    for product in Product.objects.filter(clinic=clinic, pk__in=ids["product"]):
        labels[("product", str(product.pk))] = product.name
    for code in ids["technique"]:
        technique = library.injection_techniques.get(code)
        labels[("technique", code)] = technique.label if technique else code
    for user in User.objects.filter(pk__in=ids["practitioner"]):
        labels[("practitioner", str(user.pk))] = user.get_full_name() or user.email
    return labels


def clinic_signals(clinic: Clinic, *, member: Membership) -> list[Signal]:
    """Every lot, product, technique and practitioner tested against the rest of the
    clinic, flagged first (clinical roles only)."""
    require_clinical(member)
    counts, totals = signal_counts(clinic)
    return signals(counts, totals)


def lots_by_id(clinic: Clinic, ids: list[str]) -> dict[str, Lot]:
    return {str(lot.pk): lot for lot in Lot.objects.filter(clinic=clinic, pk__in=ids)}
