"""The demo's outcome scores, made through the outcomes services: over the completed
sessions of Anna's series, the practitioner's GAIS, WSRS of both nasolabial folds (from a
baseline before the first) and Glogau at the baseline, and Anna's own GAIS and
satisfaction from the portal, so her progress chart shows a trend. Anna gets a portal
account (anna@patients.demo.mesodesk.test, the demo password) to rate her next session.
"""

from __future__ import annotations

from mesodesk.accounts.models import User
from mesodesk.accounts.selectors import user_by_email
from mesodesk.accounts.services import create_user
from mesodesk.clinics.models import Clinic
from mesodesk.outcomes.models import Score
from mesodesk.outcomes.services import rate_session, record_score
from mesodesk.patients.models import Patient
from mesodesk.photos.models import Photo
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment

ANNA = "anna@patients.demo.mesodesk.test"
# Per completed session, oldest first: GAIS (practitioner), WSRS left and right after the
# session, and Anna's GAIS and satisfaction (a series has at most six sessions here).
AFTER = (
    ("3", "3", "4", "3", "6"),
    ("2", "3", "3", "3", "7"),
    ("2", "2", "3", "2", "8"),
    ("1", "2", "2", "2", "8"),
    ("1", "2", "2", "1", "9"),
    ("1", "2", "2", "1", "9"),
)


def _portal_user(anna: Patient, password: str) -> User:
    if anna.portal_user is not None:
        return anna.portal_user
    user = user_by_email(email=ANNA) or create_user(
        email=ANNA, password=password, first_name=anna.first_name, last_name=anna.last_name
    )
    anna.portal_user = user
    anna.save(update_fields=["portal_user"])
    return user


def seed_outcomes(*, clinic: Clinic, practitioner: User, password: str) -> None:
    """Seeds Anna's scores once (a patient with scores is left as she is)."""
    anna = Patient.objects.filter(clinic=clinic, email=ANNA).first()
    if anna is None or Score.objects.filter(clinic=clinic, patient=anna).exists():
        return
    sessions = list(
        Appointment.objects.filter(
            clinic=clinic,
            patient=anna,
            kind=AppointmentKind.SESSION,
            status=AppointmentStatus.COMPLETED,
        ).order_by("start")[: len(AFTER)]
    )
    if not sessions:
        return
    user = _portal_user(anna, password)
    first = sessions[0]
    # The baseline WSRS is read from the before photos of her first session (demo_photos).
    before = list(Photo.objects.filter(clinic=clinic, patient=anna, kind="before"))
    for scale, value, side in (("wsrs", "4", "left"), ("wsrs", "4", "right"), ("glogau", "II", "")):
        from_photos = scale == "wsrs" and bool(before)
        record_score(
            clinic=clinic,
            appointment=first,
            by=practitioner,
            scale=scale,
            value=value,
            side=side,
            area="face",
            time_point="baseline",
            method="photos" if from_photos else "live",
            photos_read=before if from_photos else [],
            note="Read from the frontal and 45° before photos." if from_photos else "",
        )
    for appointment, (gais, left, right, own, satisfied) in zip(sessions, AFTER, strict=False):
        record_score(
            clinic=clinic, appointment=appointment, by=practitioner, scale="gais", value=gais,
            area="face",
        )  # fmt: skip
        for side, value in (("left", left), ("right", right)):
            record_score(
                clinic=clinic, appointment=appointment, by=practitioner, scale="wsrs",
                value=value, side=side, area="face",
            )  # fmt: skip
        rate_session(
            clinic=clinic, patient=anna, appointment=appointment, by=user, gais=own,
            satisfaction=satisfied,
        )  # fmt: skip
