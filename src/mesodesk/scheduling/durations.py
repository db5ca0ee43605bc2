"""How long each kind of appointment lasts, and the limits slot search and booking rely on.

The one place these figures live. A session's length comes from the protocol library
(numbing time plus the procedure: seed 002 gives "anesthetic cream 20 minutes before the
procedure" and "roughly 20-30 minutes, not including numbing time"), so a clinic gets the
longest figure the sources give and a booked slot is never too short. Consultation and
follow-up lengths are the clinic's routine, not clinical rules, so they are not in the
library.
"""

from __future__ import annotations

from datetime import timedelta

from mesodesk.core.library import Library, load_library
from mesodesk.scheduling.choices import AppointmentKind

CONSULTATION = timedelta(minutes=30)
FOLLOW_UP = timedelta(minutes=15)

# Slot search offers starts on a 15-minute grid counted from each opening time.
SLOT_STEP = timedelta(minutes=15)
# Slot search reads the busy intervals one week at a time and stops as soon as it has
# enough slots, so its cost follows the weeks searched, not the size of the table.
SEARCH_CHUNK = timedelta(days=7)
# No appointment is longer than this. The database refuses longer ones, which lets range
# queries bound `start` from below ("started at most a day before the window") and so
# stay on the (clinic, ..., start) indexes.
LONGEST = timedelta(days=1)


def duration_of(kind: AppointmentKind | str, library: Library | None = None) -> timedelta:
    """The length of an appointment of this kind."""
    kind = AppointmentKind(kind)
    if kind is AppointmentKind.SESSION:
        session = (library or load_library()).session
        return timedelta(minutes=session.numbing_minutes + session.duration_minutes)
    if kind is AppointmentKind.CONSULTATION:
        return CONSULTATION
    return FOLLOW_UP
