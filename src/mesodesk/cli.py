"""The one console command, `mesodesk`.

Clinical-core commands (`protocol`, `screen`, `timeline`, `plan`) run without Django so
that scripts and integrations get an answer in milliseconds and need no database. Every
other command is a Django management command (`demo`, `serve`, `migrate`, ...).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

# Each core command names its module; imported lazily so `mesodesk migrate` stays cheap.
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "protocol": ("mesodesk.commands.protocol", "validate and print the protocol library"),
    "screen": ("mesodesk.commands.screen", "screen an intake for contraindications"),
    "timeline": ("mesodesk.commands.timeline", "a patient's dated instructions"),
    "plan": ("mesodesk.commands.plan", "dates of a whole series from a template"),
}

# The Django commands a clinic uses, shown first in `mesodesk --help`.
CLINIC_COMMANDS: dict[str, str] = {
    "demo": "a whole demo clinic on SQLite at http://127.0.0.1:8000",
    "serve": "the production web server (gunicorn)",
    "worker": "send due reminders (e-mail and SMS) until stopped",
    "expire-lots": "mark lots past their expiry day expired (run it daily)",
    "migrate": "create or update the database and load the protocol library",
    "createsuperuser": "add a site administrator who can sign in at /admin/",
    "check": "check the configuration (add --deploy for production)",
    "api-token": "a new API token for a staff member (printed once)",
}


def _usage() -> str:
    lines = ["usage: mesodesk COMMAND [options]", "", "Clinic commands:"]
    lines += [f"  {name:<16} {text}" for name, text in CLINIC_COMMANDS.items()]
    lines += ["", "Clinical core (no database needed):"]
    lines += [f"  {name:<16} {text}" for name, (_, text) in CORE_COMMANDS.items()]
    lines += [
        "",
        "Every Django management command is available too (`mesodesk help` lists them).",
        "Run `mesodesk COMMAND --help` for a command's options.",
    ]
    return "\n".join(lines)


def _run_core(name: str, argv: Sequence[str]) -> int:
    import importlib

    module = importlib.import_module(CORE_COMMANDS[name][0])
    run: Callable[[Sequence[str]], int] = module.run
    return run(argv)


def _run_django(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesodesk.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from mesodesk.core.library import LibraryError

    try:
        # Load the settings here, where a bad environment variable can be reported in
        # one line (its message names the variable) instead of a traceback.
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(["mesodesk", *argv])
    except ImproperlyConfigured as error:
        print(f"mesodesk: {error}", file=sys.stderr)
        return 2
    except LibraryError as error:
        # `migrate` and `demo` load the library; its own command explains every problem.
        print(f"mesodesk: {error} (`mesodesk protocol check` lists all)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mesodesk: interrupted", file=sys.stderr)
        return 130
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    if args[0] in CORE_COMMANDS:
        return _run_core(args[0], args[1:])
    # Django names a command after its module (api_token); people type api-token.
    if not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    return _run_django(args)


if __name__ == "__main__":
    sys.exit(main())
