"""Reads of photos: always within one clinic, and only for clinical roles.

Front desk never sees a photo, not even a thumbnail: `require_clinical` refuses them as
the charting selectors refuse them a record's content. Another clinic's patient or photo
is a 404 before any role is looked at. Serving a photo's bytes writes an access event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from mesodesk.audit.services import record_read
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.photos import storage
from mesodesk.photos.choices import Kind, Variant, View
from mesodesk.photos.models import Photo
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment

FRONT_DESK_REFUSAL = "Photos are clinical content: only practitioners and clinic admins see them."


def may_see_photos(member: Membership) -> bool:
    """Whether this member may see a patient's photos (the clinic's read policy)."""
    return may_read(member, Part.PHOTOS)


def may_take_photos(member: Membership) -> bool:
    """Whether this member takes photos (the service decides the same)."""
    return member.role == Role.PRACTITIONER


def require_clinical(member: Membership) -> None:
    """PermissionDenied for front desk (and any role that is not clinical)."""
    if not may_see_photos(member):
        raise PermissionDenied(FRONT_DESK_REFUSAL)


def _photos(clinic: Clinic) -> QuerySet[Photo]:
    return Photo.objects.filter(clinic=clinic).select_related("appointment", "uploaded_by")


def photos_of_patient(clinic: Clinic, patient: Patient) -> QuerySet[Photo]:
    """The patient's photos, oldest first (callers check the role and log the read), each
    `dated` by its session (a photo uploaded later still belongs to that day), or by when
    it was taken when it belongs to none."""
    dated = Coalesce("appointment__start", "taken_at")
    return (
        _photos(clinic)
        .filter(patient=patient)
        .annotate(dated=dated)
        .order_by(dated, "taken_at", "id")
    )


def get_photo(clinic: Clinic, photo_id: int) -> Photo:
    """The clinic's photo with this id; Http404 for another clinic's or none."""
    return get_object_or_404(_photos(clinic).select_related("patient"), pk=photo_id)


def read_photo(
    clinic: Clinic,
    photo_id: int,
    *,
    member: Membership,
    request: HttpRequest,
    variant: str = Variant.FULL,
) -> tuple[Photo, bytes]:
    """The photo and the bytes of its re-encoded JPEG (or thumbnail), for a clinical member,
    with an access event; Http404 for another clinic's photo, PermissionDenied for front
    desk."""
    photo = get_photo(clinic, photo_id)
    require_clinical(member)
    record_read(request, clinic=clinic, obj=photo, patient=photo.patient)
    name = photo.thumbnail if variant == Variant.THUMBNAIL else photo.image
    return photo, storage.read(name)


def photo_sessions(clinic: Clinic, patient: Patient) -> QuerySet[Appointment]:
    """The patient's treatment sessions a photo may belong to, newest first."""
    return (
        Appointment.objects.filter(clinic=clinic, patient=patient, kind=AppointmentKind.SESSION)
        .exclude(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED])
        .order_by("-start", "-id")
    )


def area_label(code: str) -> str:
    term = load_library().areas.get(code)
    return term.label if term else code.replace("_", " ")


@dataclass
class Group:
    """The photos of one session (or of none), by area."""

    appointment: Appointment | None
    areas: list[tuple[str, list[Photo]]] = field(default_factory=list)


def grid(photos: list[Photo]) -> list[Group]:
    """Photos grouped by session (newest first; those of no session last), then by area,
    each area's photos in the standard order of views and then before, progress, after."""
    view_order = {v: n for n, v in enumerate(View.values)}
    kind_order: dict[str, int] = {Kind.BEFORE: 0, Kind.PROGRESS: 1, Kind.AFTER: 2}
    by_session: dict[int | None, Group] = {}
    for photo in photos:
        group = by_session.setdefault(photo.appointment_id, Group(photo.appointment))
        areas = dict(group.areas)
        areas.setdefault(area_label(photo.area), []).append(photo)
        group.areas = list(areas.items())
    for group in by_session.values():
        for _, shots in group.areas:
            shots.sort(
                key=lambda p: (view_order.get(p.view, 99), kind_order.get(p.kind, 9), p.taken_at)
            )
    return sorted(
        by_session.values(),
        key=lambda g: (
            g.appointment is None,
            -(g.appointment.start.timestamp() if g.appointment else 0),
        ),
    )


def series_choices(photos: list[Photo]) -> list[tuple[str, str, str]]:
    """Each (area, view) the patient has photos of, with a label, in the order first taken."""
    seen: dict[tuple[str, str], str] = {}
    for photo in photos:
        key = (photo.area, photo.view)
        seen.setdefault(key, f"{area_label(photo.area)}, {View(photo.view).label}")
    return [(area, view, label) for (area, view), label in seen.items()]


def pick_pair(
    series: list[Photo], first_id: int | None, second_id: int | None
) -> tuple[Photo, Photo] | None:
    """Two photos of one area and view to compare: those asked for when both are in the
    series, else its first and last (`series` in order; the earlier shown first). None
    with fewer than two."""
    if len(series) < 2:
        return None
    by_id = {p.pk: p for p in series}
    first = by_id.get(first_id) if first_id is not None else None
    second = by_id.get(second_id) if second_id is not None else None
    if first is None or second is None or first.pk == second.pk:
        first, second = series[0], series[-1]
    order = {p.pk: n for n, p in enumerate(series)}
    return (first, second) if order[first.pk] <= order[second.pk] else (second, first)


@dataclass(frozen=True)
class ScoreBeside:
    """An outcome score shown under a photo: the scale (and side, and rater) and its value."""

    label: str
    value: str


def scores_beside(
    clinic: Clinic, patient: Patient, photo: Photo, *, member: Membership
) -> list[ScoreBeside]:
    """The outcome scores recorded on the photo's session, for its area or for no area in
    particular (entered in error left out), shown under it in the side-by-side view. One
    query; none for a photo of no session."""
    from mesodesk.outcomes.selectors import label_of, scores_of_appointment

    if photo.appointment is None:
        return []
    library = load_library()
    rows = []
    for score in scores_of_appointment(clinic, photo.appointment, member=member):
        if score.entered_in_error_at is not None or score.area not in ("", photo.area):
            continue
        scale = library.scales.get(score.scale)
        name = scale.label if scale is not None else score.scale
        side = f", {score.get_side_display().lower()}" if score.side else ""
        rows.append(
            ScoreBeside(f"{name}{side} ({score.get_rater_display().lower()})", label_of(score))
        )
    return rows
