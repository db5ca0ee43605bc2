"""Free times a patient may safely take. A session too soon for the patient's preparation
(a washout or a patch test) would be refused at booking; rather than offer times that
cannot be booked, a search for a session starts again at the earliest safe start and
says why. The portal and the staff workspace both search through here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.scheduling import rules
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.scheduling.durations import duration_of
from mesodesk.scheduling.errors import WashoutNotMet
from mesodesk.scheduling.selectors import Slot, clinic_zone

# Runs one slot search: from this local day, and not before this instant (None: now).
Search = Callable[[date, datetime | None], list[Slot]]


def safe_slots(
    *,
    clinic: Clinic,
    patient: Patient,
    kind: AppointmentKind | str,
    start_date: date,
    search: Search,
    plan: TreatmentPlan | None,
) -> tuple[list[Slot], WashoutNotMet | None]:
    """The slots `search` finds from `start_date`; for a session whose first slot comes
    too soon for the patient's preparation, the slots from the earliest safe start instead,
    with the WashoutNotMet that moved them. A washout only ever allows later times, so
    checking the first slot is enough. `plan` is the patient's active plan (the caller
    has read it for the device a session needs)."""
    found = search(start_date, None)
    if kind != AppointmentKind.SESSION or not found:
        return found, None
    library = load_library()
    zone = clinic_zone(clinic)
    first = found[0].start
    booking = rules.Booking(
        start=first, end=first + duration_of(AppointmentKind.SESSION, library), zone=zone
    )
    try:
        rules.check_washout(
            clinic=clinic,
            patient=patient,
            plan=plan,
            booking=booking,
            library=library,
        )
    except WashoutNotMet as refusal:
        # From the instant the preparation allows: the first slot found is the earliest
        # start the page names, so its offer and its free times agree.
        safe_from = refusal.safe_from
        later = search(max(start_date, safe_from.astimezone(zone).date()), safe_from)
        if later:
            refusal = rules.washout_at(refusal, later[0].start, zone)
        return later, refusal
    return found, None
