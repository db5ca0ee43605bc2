"""The safety page: signals (lots, products, techniques and practitioners with more
adverse events per administration than the rest of the clinic), reports waiting for
triage, follow-ups due and recent events. Practitioners and admins only; a flagged lot
offers quarantine and the recall of the stock pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.core.library import load_library
from mesodesk.core.signals import ALPHA, MIN_EVENTS
from mesodesk.inventory.choices import LotStatus
from mesodesk.safety import selectors
from mesodesk.workspace.views.common import clinic_today, page

KIND_LABELS = {
    "lot": "Lot",
    "product": "Product",
    "technique": "Technique",
    "practitioner": "Practitioner",
}
# Units listed below the flags (those with events first), per kind.
UNITS_SHOWN = 12


@require_safe
@staff_view(roles=selectors.CLINICAL_ROLES)
def safety(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    library = load_library()
    found = selectors.clinic_signals(clinic, member=request.membership)
    lots = selectors.lots_by_id(clinic, [s.key for s in found if s.kind == "lot"])
    flags = [
        {
            "signal": s,
            "kind": KIND_LABELS[s.kind],
            "lot": lots.get(s.key) if s.kind == "lot" else None,
        }
        for s in found
        if s.flagged
    ]
    tables = [
        (
            kind,
            label,
            [s for s in found if s.kind == kind and (s.events or s.administrations)][:UNITS_SHOWN],
        )
        for kind, label in KIND_LABELS.items()
    ]
    events = selectors.recent_events(clinic, member=request.membership, limit=20)
    # Patients' names (reports, follow-ups, events): a read of patient data.
    record_read(request, clinic=clinic, obj=clinic)
    return page(
        request,
        "workspace/safety/safety.html",
        "safety",
        {
            "flags": flags,
            "tables": tables,
            "alpha": ALPHA,
            "min_events": MIN_EVENTS,
            "open_reports": [
                selectors.labelled(r, library) for r in selectors.open_reports(clinic)[:20]
            ],
            "due": selectors.follow_ups_due(clinic, clinic_today(request)),
            "events": [
                (e, selectors.event_label(e, library), selectors.current(e)) for e in events
            ],
            "quarantinable": (LotStatus.AVAILABLE, LotStatus.EXPIRED, LotStatus.DEPLETED),
        },
    )
