"""The refusals of booking that callers treat specially (a conflict is HTTP 409)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError


class BookingConflict(ValidationError):
    """The practitioner, room or device is already booked at that time, the patient
    already has an appointment then, or the planned session is booked already.

    Keyed by what is taken (`practitioner`, `room`, `device`, `patient` or
    `planned_session`), which is also in `resource`, with the code "booking_conflict";
    `session_number` says which session of a series could not be booked.
    """

    def __init__(self, resource: str, message: str, *, session_number: int | None = None):
        super().__init__({resource: [ValidationError(message, code="booking_conflict")]})
        self.resource = resource
        self.session_number = session_number


class WashoutNotMet(ValidationError):
    """The session is too soon for the patient's preparation (a washout or patch test);
    `earliest_start` is the first time it could be booked: the first free slot after
    `safe_from` (the instant the preparation allows) with the same practitioner, room and
    device when the booking services could find one, else the first opening after it.
    `reasons` names the steps in plain words."""

    def __init__(
        self,
        message: str,
        *,
        earliest_start: datetime,
        items: tuple[str, ...],
        safe_from: datetime | None = None,
        reasons: str = "",
    ):
        super().__init__({"start": [ValidationError(message, code="washout_not_met")]})
        self.earliest_start = earliest_start
        self.items = items
        self.safe_from = safe_from if safe_from is not None else earliest_start
        self.reasons = reasons
