"""`mesodesk expire-lots`: marks every clinic's lots past their expiry day `expired`.

Charting already refuses a lot the day after its expiry (the gate reads the date); this
sweep puts the status on the stock pages and lists too. Run it daily (cron, a timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesodesk.clinics.models import Clinic
from mesodesk.inventory.services import mark_expired


class Command(BaseCommand):
    help = "Mark lots past their expiry day (in each clinic's time zone) expired."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for clinic in Clinic.objects.order_by("id"):
            total += mark_expired(clinic=clinic)
        self.stdout.write(f"{total} lot{'s' if total != 1 else ''} marked expired")
