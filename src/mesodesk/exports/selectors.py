"""Every read of the exports app: staff calendar feeds and what they carry, integration
tokens, and the rows of each CSV export. Clinic-scoped; the views check the role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from mesodesk.accounts.models import ApiToken, User
from mesodesk.charting.models import Administration
from mesodesk.clinics.models import Clinic, Device, Membership, Room
from mesodesk.core.formats.ics import AppointmentEvent
from mesodesk.exports.models import StaffCalendarFeed
from mesodesk.exports.services import feed_digest
from mesodesk.inventory.models import StockMove
from mesodesk.patients.models import Patient, listed_name
from mesodesk.safety.models import AdverseEvent, Suspect
from mesodesk.scheduling.choices import CANCELLED_STATUSES, AppointmentKind
from mesodesk.scheduling.models import Appointment

# --- staff calendar feeds ----------------------------------------------------------------

# What a feed carries: a month back (what just happened) and half a year ahead.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
# Longer than any secret we make: a longer one is refused before it is hashed.
_MAX_SECRET = 64

_KIND_WORDS: dict[str, str] = {
    AppointmentKind.SESSION: "treatment session",
    AppointmentKind.CONSULTATION: "consultation",
    AppointmentKind.FOLLOW_UP: "follow-up",
}


def feed_by_secret(clinic: Clinic, secret: str) -> StaffCalendarFeed | None:
    """The clinic's live feed with this secret; None if unknown, revoked, or its
    practitioner is no longer a practitioner of the clinic (or is deactivated)."""
    if not secret or len(secret) > _MAX_SECRET:
        return None
    feed = (
        StaffCalendarFeed.objects.filter(
            clinic=clinic, digest=feed_digest(secret), revoked_at__isnull=True
        )
        .select_related("practitioner", "room", "device")
        .first()
    )
    if feed is None or feed.practitioner is None:
        return feed
    still = (
        feed.practitioner.is_active
        and practitioners(clinic).filter(user=feed.practitioner).exists()
    )
    return feed if still else None


def live_feeds(clinic: Clinic) -> QuerySet[StaffCalendarFeed]:
    """The clinic's feeds whose address works."""
    return StaffCalendarFeed.objects.filter(clinic=clinic, revoked_at__isnull=True)


def live_feed_of(clinic: Clinic, practitioner: User) -> StaffCalendarFeed | None:
    return live_feeds(clinic).filter(practitioner=practitioner).first()


def get_live_feed(clinic: Clinic, feed_id: int) -> StaffCalendarFeed | None:
    return (
        live_feeds(clinic)
        .filter(pk=feed_id)
        .select_related("practitioner", "room", "device")
        .first()
    )


def practitioners(clinic: Clinic) -> QuerySet[Membership]:
    from mesodesk.clinics.selectors import practitioners as of_clinic

    return of_clinic(clinic)


@dataclass(frozen=True)
class FeedRow:
    """A practitioner, room or device on the admin's feeds page, with its live feed."""

    kind: str  # "practitioner", "room", "device"
    id: int
    label: str
    feed: StaffCalendarFeed | None


def feed_rows(clinic: Clinic) -> list[FeedRow]:
    """Every practitioner, room and device of the clinic, each with its live feed."""
    live = list(live_feeds(clinic))
    by_practitioner = {f.practitioner_id: f for f in live if f.practitioner_id}
    by_room = {f.room_id: f for f in live if f.room_id}
    by_device = {f.device_id: f for f in live if f.device_id}
    rows = [
        FeedRow(
            "practitioner",
            m.user_id,
            m.user.get_full_name() or m.user.email,
            by_practitioner.get(m.user_id),
        )
        for m in practitioners(clinic)
    ]
    rows += [
        FeedRow("room", r.pk, r.name, by_room.get(r.pk))
        for r in Room.objects.filter(clinic=clinic).order_by("name", "pk")
    ]
    rows += [
        FeedRow("device", d.pk, d.name, by_device.get(d.pk))
        for d in Device.objects.filter(clinic=clinic).order_by("name", "pk")
    ]
    return rows


def initials(first_name: str, last_name: str) -> str:
    """ "Anna Müller" → "A.M.": all a staff calendar shows of a patient."""
    letters = [name.strip()[:1].upper() for name in (first_name, last_name) if name.strip()]
    return "".join(f"{letter}." for letter in letters) or "?"


def feed_events(
    feed: StaffCalendarFeed, *, now: datetime | None = None
) -> Iterator[AppointmentEvent]:
    """The feed's appointments from a month back to half a year ahead, cancelled ones
    included (marked so): the patient by initials, the kind, the room, the practitioner
    and device; nothing of the plan, products, notes or record."""
    now = now or timezone.now()
    found = Appointment.objects.filter(
        clinic_id=feed.clinic_id, start__lt=now + FEED_AHEAD, end__gt=now - FEED_PAST
    )
    if feed.practitioner_id is not None:
        found = found.filter(practitioner_id=feed.practitioner_id)
    elif feed.room_id is not None:
        found = found.filter(room_id=feed.room_id)
    elif feed.device_id is not None:
        found = found.filter(device_id=feed.device_id)
    else:  # the database refuses a feed of nothing (exports_feed_one_subject)
        found = found.none()
    rows = found.order_by("start", "pk").values_list(
        "pk",
        "start",
        "end",
        "kind",
        "status",
        "patient__first_name",
        "patient__last_name",
        "patient__erased_at",
        "room__name",
        "device__name",
        "practitioner__first_name",
        "practitioner__last_name",
        "practitioner__email",
    )
    for (
        pk,
        start,
        end,
        kind,
        status,
        first,
        last,
        erased_at,
        room,
        device,
        p_first,
        p_last,
        email,
    ) in rows.iterator(chunk_size=500):
        who = f"{p_first} {p_last}".strip() or email
        lines = [f"Practitioner: {who}", f"Room: {room}"]
        if device:
            lines.append(f"Device: {device}")
        yield AppointmentEvent(
            uid=f"appointment-{pk}@{settings.MESODESK_MAIL_DOMAIN}",
            start=start,
            end=end,
            summary=f"{'(erased)' if erased_at else initials(first, last)}"
            f" — {_KIND_WORDS.get(kind, 'appointment')}",
            location=room,
            description="\n".join(lines),
            cancelled=status in CANCELLED_STATUSES,
        )


# --- integration tokens -------------------------------------------------------------------


def api_tokens(clinic: Clinic) -> QuerySet[ApiToken]:
    """The clinic's API tokens, newest first, with their holders and revokers."""
    return (
        ApiToken.objects.filter(clinic=clinic)
        .select_related("user", "revoked_by")
        .order_by("-created_at", "-pk")
    )


def get_api_token(clinic: Clinic, token_id: int) -> ApiToken | None:
    return api_tokens(clinic).filter(pk=token_id).first()


def staff_members(clinic: Clinic) -> QuerySet[Membership]:
    """Who may hold a token: the clinic's active staff, by e-mail address."""
    return (
        Membership.objects.filter(clinic=clinic, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )


# --- CSV exports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Days `first` to `last` (both included) in the clinic's zone; `everything` drops the
    date filter (patients only)."""

    first: date
    last: date
    everything: bool = False

    def instants(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) of the window as aware instants."""
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone)
        return start, end


def default_window(clinic: Clinic) -> Window:
    """The last 90 days, today included."""
    today = timezone.localdate(timezone=ZoneInfo(clinic.time_zone))
    return Window(today - timedelta(days=89), today)


Row = tuple[Any, ...]


def _iso(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).isoformat()


def patient_rows(clinic: Clinic, window: Window) -> Iterator[Row]:
    zone = ZoneInfo(clinic.time_zone)
    found = Patient.objects.filter(clinic=clinic)
    if not window.everything:
        start, end = window.instants(zone)
        found = found.filter(created_at__gte=start, created_at__lt=end)
    for p in (
        found.order_by("created_at", "pk")
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "email",
            "phone",
            "preferred_channel",
            "created_at",
            "merged_into_id",
            "erased_at",
        )
        .iterator(chunk_size=1000)
    ):
        if p[10] is not None:  # erased: the pseudonym, as every list shows it
            p = (p[0], listed_name(p[0], "", "", p[10]), "", *p[3:])
        yield (*p[:3], p[3].isoformat() if p[3] else "", *p[4:8], _iso(p[8], zone), p[9] or "")


PATIENT_HEADER = (
    "patient_id",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "email",
    "phone",
    "preferred_channel",
    "created_at",
    "merged_into_id",
)


def appointment_rows(clinic: Clinic, window: Window) -> Iterator[Row]:
    zone = ZoneInfo(clinic.time_zone)
    start, end = window.instants(zone)
    found = Appointment.objects.filter(clinic=clinic, start__gte=start, start__lt=end)
    for a in (
        found.order_by("start", "pk")
        .values_list(
            "pk",
            "start",
            "end",
            "kind",
            "status",
            "patient_id",
            "patient__first_name",
            "patient__last_name",
            "practitioner__email",
            "room__name",
            "device__name",
            "planned_session_id",
            "created_at",
            "cancelled_at",
            "patient__erased_at",
        )
        .iterator(chunk_size=1000)
    ):
        yield (
            a[0],
            a[1].astimezone(zone).date().isoformat(),
            _iso(a[1], zone),
            _iso(a[2], zone),
            a[3],
            a[4],
            a[5],
            listed_name(a[5], a[6], a[7], a[14]),
            a[8],
            a[9],
            a[10] or "",
            a[11] or "",
            _iso(a[12], zone),
            _iso(a[13], zone),
        )


APPOINTMENT_HEADER = (
    "appointment_id",
    "date",
    "start",
    "end",
    "kind",
    "status",
    "patient_id",
    "patient_name",
    "practitioner",
    "room",
    "device",
    "planned_session_id",
    "created_at",
    "cancelled_at",
)


def administration_rows(clinic: Clinic, window: Window) -> Iterator[Row]:
    """Each administered product by the session's start: product, lot, expiry, dose,
    depth, area, practitioner. Rows entered in error are kept and say so."""
    zone = ZoneInfo(clinic.time_zone)
    start, end = window.instants(zone)
    found = Administration.objects.filter(
        clinic=clinic,
        record__appointment__start__gte=start,
        record__appointment__start__lt=end,
    )
    for a in (
        found.order_by("record__appointment__start", "pk")
        .values_list(
            "pk",
            "record__appointment__start",
            "record_id",
            "record__status",
            "record__patient_id",
            "record__patient__first_name",
            "record__patient__last_name",
            "record__practitioner__email",
            "area",
            "product__name",
            "lot__number",
            "lot__expiry",
            "volume_ml",
            "product__unit",
            "depth_mm",
            "technique",
            "needle_gauge",
            "points",
            "device__name",
            "entered_in_error_at",
            "record__patient__erased_at",
        )
        .iterator(chunk_size=1000)
    ):
        yield (
            a[0],
            a[1].astimezone(zone).date().isoformat(),
            _iso(a[1], zone),
            a[2],
            a[3],
            a[4],
            listed_name(a[4], a[5], a[6], a[20]),
            a[7],
            a[8],
            a[9],
            a[10] or "",
            a[11].isoformat() if a[11] else "",
            f"{a[12]:.2f}",
            a[13],
            "" if a[14] is None else f"{a[14]:.1f}",
            a[15],
            a[16] or "",
            a[17] or "",
            a[18] or "",
            "yes" if a[19] else "no",
        )


ADMINISTRATION_HEADER = (
    "administration_id",
    "session_date",
    "session_start",
    "session_record_id",
    "record_status",
    "patient_id",
    "patient_name",
    "practitioner",
    "area",
    "product",
    "lot_number",
    "lot_expiry",
    "dose",
    "dose_unit",
    "depth_mm",
    "technique",
    "needle_gauge",
    "points",
    "device",
    "entered_in_error",
)


def adverse_event_rows(clinic: Clinic, window: Window) -> Iterator[Row]:
    """Each adverse event by its onset date, with its suspected products and lots."""
    zone = ZoneInfo(clinic.time_zone)
    found = (
        AdverseEvent.objects.filter(clinic=clinic, onset__gte=window.first, onset__lte=window.last)
        .select_related("patient", "practitioner", "device")
        .prefetch_related(
            Prefetch("suspects", queryset=Suspect.objects.select_related("lot", "product"))
        )
        .order_by("onset", "pk")
    )
    for e in found.iterator(chunk_size=500):
        suspects = list(e.suspects.all())
        yield (
            e.pk,
            e.onset.isoformat(),
            e.patient_id,
            e.patient.list_name,
            e.category,
            e.event,
            e.grade,
            "yes" if e.serious else "no",
            e.outcome,
            e.practitioner.email if e.practitioner else "",
            e.session_record_id or "",
            "; ".join(s.product.name for s in suspects if s.product),
            "; ".join(s.lot.number for s in suspects if s.lot),
            e.description,
            e.actions_taken,
            e.follow_up_on.isoformat() if e.follow_up_on else "",
            _iso(e.recorded_at, zone),
        )


ADVERSE_EVENT_HEADER = (
    "adverse_event_id",
    "onset",
    "patient_id",
    "patient_name",
    "category",
    "event",
    "grade",
    "serious",
    "outcome",
    "practitioner",
    "session_record_id",
    "suspect_products",
    "suspect_lots",
    "description",
    "actions_taken",
    "follow_up_on",
    "recorded_at",
)


def stock_move_rows(clinic: Clinic, window: Window) -> Iterator[Row]:
    zone = ZoneInfo(clinic.time_zone)
    start, end = window.instants(zone)
    found = StockMove.objects.filter(clinic=clinic, at__gte=start, at__lt=end)
    for m in (
        found.order_by("at", "pk")
        .values_list(
            "pk",
            "at",
            "kind",
            "lot__product__name",
            "lot__number",
            "lot__expiry",
            "quantity",
            "quantity_before",
            "quantity_after",
            "lot__product__unit",
            "reason",
            "by__email",
        )
        .iterator(chunk_size=1000)
    ):
        yield (
            m[0],
            _iso(m[1], zone),
            m[2],
            m[3],
            m[4],
            m[5].isoformat(),
            f"{m[6]:.2f}",
            f"{m[7]:.2f}",
            f"{m[8]:.2f}",
            m[9],
            m[10],
            m[11] or "",
        )


STOCK_MOVE_HEADER = (
    "move_id",
    "at",
    "kind",
    "product",
    "lot_number",
    "lot_expiry",
    "quantity",
    "quantity_before",
    "quantity_after",
    "unit",
    "reason",
    "by",
)


@dataclass(frozen=True)
class Export:
    """One CSV export: its label, what its dates filter, its header and rows."""

    label: str
    dated_by: str
    header: tuple[str, ...]
    rows: Callable[[Clinic, Window], Iterator[Row]]


EXPORTS: dict[str, Export] = {
    "patients": Export("Patients", "registration date", PATIENT_HEADER, patient_rows),
    "appointments": Export(
        "Appointments", "appointment date", APPOINTMENT_HEADER, appointment_rows
    ),
    "administrations": Export(
        "Administrations with lots", "session date", ADMINISTRATION_HEADER, administration_rows
    ),
    "adverse-events": Export(
        "Adverse events", "onset date", ADVERSE_EVENT_HEADER, adverse_event_rows
    ),
    "stock-moves": Export("Stock moves", "date of the move", STOCK_MOVE_HEADER, stock_move_rows),
}
