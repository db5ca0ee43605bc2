"""`mesodesk api-token --clinic SLUG --email EMAIL [--name NAME]`: a new API token.

Prints the token alone on stdout (it is shown this once), so that scripts can capture it:
`TOKEN=$(mesodesk api-token --clinic lindenhof --email pedro@example.org)`. A mistake is
one line on stderr and exit status 2.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from mesodesk.accounts.selectors import user_by_email
from mesodesk.accounts.services import issue_api_token
from mesodesk.clinics.selectors import clinic_by_slug

NAME = "api-token"


class Command(BaseCommand):
    help = (
        "Issue an API token for a staff member of a clinic and print it (only this once). "
        "Use it as `Authorization: Bearer TOKEN`."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Django names the command after this module (api_token); people type api-token.
        return super().create_parser(prog_name, NAME, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, metavar="SLUG", help="the clinic's slug")
        parser.add_argument(
            "--email", required=True, metavar="EMAIL", help="a staff member's e-mail address"
        )
        parser.add_argument(
            "--name", default="", metavar="NAME", help="what the token is for (optional)"
        )

    def handle(self, *args: Any, clinic: str, email: str, name: str, **options: Any) -> None:
        found_clinic = clinic_by_slug(slug=clinic)
        if found_clinic is None:
            self._fail(f"no clinic with slug {clinic!r}")
        user = user_by_email(email=email)
        if user is None:
            self._fail(f"no user with e-mail address {email!r}")
        try:
            _, raw = issue_api_token(clinic=found_clinic, user=user, name=name)
        except ValidationError as error:
            problems = [text for texts in error.message_dict.values() for text in texts]
            self._fail(" ".join(problems))
        self.stdout.write(raw)

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"mesodesk {NAME}: {message}")
        raise SystemExit(2)
