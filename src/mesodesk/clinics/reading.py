"""What each staff role may read of a patient: one table, asked by every page, API answer,
export and feed (DESIGN 11; issue 14, finding 1).

The front desk runs the diary: it reads who a patient is, how to reach them, their
appointments, the screening's verdict and whether a session may be booked, and which
consents are signed. It never reads what makes a record clinical: the intake's answers
(medicines, conditions, pregnancy, allergies), the screening's findings and sign-off
reasons, the timeline built from them, what a plan treats and with what, session records
and their notes, what a side-effect report says, photos, adverse events and scores.
Practitioners and admins read everything (admins act for the clinic in recalls, merges
and audits).
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Membership


class Part(StrEnum):
    """A part of a patient's record, as the read policy names it."""

    IDENTITY = "identity"  # name, birth date, sex, the record's ids
    CONTACT = "contact"  # e-mail, phone, preferred channel
    APPOINTMENTS = "appointments"  # times, kinds, rooms, devices, states, reminders' times
    VERDICT = "verdict"  # the screening's verdict and whether a session may be booked
    CONSENT_STATUS = "consent_status"  # which consents are signed, and when
    ANSWERS = "answers"  # the intake: medicines, conditions, pregnancy, allergies
    FINDINGS = "findings"  # the screening's findings, sign-off reasons, the timeline
    PLAN = "plan"  # what a plan treats, where, with what and how
    RECORDS = "records"  # session records: products, lots, depths, maps, notes
    SIDE_EFFECTS = "side_effects"  # what a patient's side-effect report says
    PHOTOS = "photos"
    EVENTS = "events"  # adverse events
    SCORES = "scores"  # outcome scores
    MESSAGES = "messages"  # the text of messages sent to the patient


# What no role needs the clinical record for: the diary's parts.
DIARY = frozenset(
    {Part.IDENTITY, Part.CONTACT, Part.APPOINTMENTS, Part.VERDICT, Part.CONSENT_STATUS}
)
EVERYTHING = frozenset(Part)

READS: dict[str, frozenset[Part]] = {
    Role.ADMIN: EVERYTHING,
    Role.PRACTITIONER: EVERYTHING,
    Role.FRONT_DESK: DIARY,
}

CLINICAL_ROLES: tuple[Role, ...] = tuple(
    Role(role) for role, parts in READS.items() if parts == EVERYTHING
)


def may_read(member: Membership | str, part: Part) -> bool:
    """Whether a member (or a role) may read `part` of a patient's record."""
    role = member if isinstance(member, str) else member.role
    return part in READS.get(role, frozenset())


def require_read(member: Membership, part: Part) -> None:
    """PermissionDenied (a 403 on the web and the API) unless the member may read `part`."""
    if not may_read(member, part):
        raise PermissionDenied(
            f"The {Role(member.role).label.lower()} does not read {part.value.replace('_', ' ')}:"
            " that is for practitioners and admins."
        )


def clinical(member: Membership) -> bool:
    """Whether the member reads the whole clinical record (practitioners and admins)."""
    return member.role in CLINICAL_ROLES
