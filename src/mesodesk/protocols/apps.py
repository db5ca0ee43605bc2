from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class ProtocolsConfig(AppConfig):
    name = "mesodesk.protocols"
    verbose_name = "Protocols"

    def ready(self) -> None:
        post_migrate.connect(_load_library_after_migrate, sender=self)


def _load_library_after_migrate(*, using: str, apps: Any = None, **kwargs: Any) -> None:
    # A test database flush sends post_migrate without `apps`: use the live registry then.
    apps = apps or django_apps
    # When migrating backwards past the first migration the table is gone: nothing to load.
    try:
        apps.get_model("protocols", "ProtocolVersion")
    except LookupError:
        return
    from mesodesk.protocols.services import load_protocol_library

    load_protocol_library(using=using)
