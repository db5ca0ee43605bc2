from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


class WebConfig(AppConfig):
    name = "mesodesk.web"
    verbose_name = "Web"

    def ready(self) -> None:
        # Not `sender=self`: Django sends post_migrate only for apps with a models module,
        # and this app has none. Once per app migrated; a table that exists is left alone.
        post_migrate.connect(_create_cache_table, dispatch_uid="mesodesk.web.cache_table")


def _create_cache_table(*, using: str, verbosity: int = 1, **kwargs: Any) -> None:
    # The default cache lives in the database (settings.CACHES); `migrate` creates its
    # table so that no deployment step can be forgotten. Does nothing for other caches or
    # when the table exists.
    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))
