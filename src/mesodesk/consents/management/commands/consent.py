"""`mesodesk consent verify ID [ID ...]`: recomputes each signed consent's PDF SHA-256
and says whether the stored file is intact (exit status 1 when one is not)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.consents import selectors
from mesodesk.consents.models import SignedConsent


class Command(BaseCommand):
    help = "Verify signed consents' PDFs against the SHA-256 kept at signing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("ids", nargs="+", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        for consent_id in options["ids"]:
            consent = SignedConsent.objects.filter(pk=consent_id).first()
            if consent is None:
                raise CommandError(f"No signed consent {consent_id}.")
            result = selectors.verify(consent)
            word = "intact" if result.intact else "CHANGED"
            self.stdout.write(f"consent {consent_id}: {word} sha256 {result.computed}")
            broken += not result.intact
        if broken:
            raise CommandError(f"{broken} consent PDF(s) changed since signing.", returncode=1)
