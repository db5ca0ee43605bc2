"""Wording no clinic template may drop. A preparation message lists what to stop before a
session; it always says, too, that a prescribed medicine is kept unless the prescribing
doctor says otherwise (mesodesk never tells a patient to stop a prescribed drug)."""

from __future__ import annotations

import re

from mesodesk.messaging.choices import ReminderKind

KEEP_PRESCRIBED = (
    "If a doctor prescribed you a medicine, keep taking it unless that doctor tells you otherwise."
)

# The template variable each kind of message must show.
# (A booking or change notice lists the preparation steps that have already begun.)
REQUIRED_VARIABLE = {
    ReminderKind.PREPARATION: "keep_prescribed",
    ReminderKind.BOOKED: "keep_prescribed",
    ReminderKind.MOVED: "keep_prescribed",
}


def missing_variable(kind: str, body: str) -> str | None:
    """The variable a template of `kind` must show and `body` does not, if any."""
    name = REQUIRED_VARIABLE.get(ReminderKind(kind)) if kind in ReminderKind.values else None
    if name is None or re.search(r"\{\{\s*" + name + r"\s*\}\}", body):
        return None
    return name
