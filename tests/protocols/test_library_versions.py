"""The protocol library as immutable versions in the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from mesodesk.core.library import LIBRARY_ROOT, load_library
from mesodesk.protocols.models import ProtocolVersion, ProtocolVersionImmutableError
from mesodesk.protocols.selectors import latest_protocol_version
from mesodesk.protocols.services import load_protocol_library

pytestmark = pytest.mark.django_db


def test_migrate_stored_the_shipped_library_as_a_protocol_version() -> None:
    library = load_library()
    version = ProtocolVersion.objects.get(content_hash=library.hash)
    assert version.version == library.version
    assert version.release == library.release
    assert version.files == dict(library.files)
    assert version.data["version"] == library.version
    assert latest_protocol_version() == version


def test_migrating_again_stores_no_second_copy() -> None:
    before = list(ProtocolVersion.objects.values_list("pk", "version"))
    call_command("migrate", verbosity=0, interactive=False)
    assert list(ProtocolVersion.objects.values_list("pk", "version")) == before


def test_loading_the_same_library_twice_gives_back_the_same_row() -> None:
    first = load_protocol_library()
    second = load_protocol_library()
    assert first.pk == second.pk
    assert ProtocolVersion.objects.filter(content_hash=first.content_hash).count() == 1


def test_a_library_with_changed_content_becomes_a_new_version(tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY_ROOT, root)
    with (root / "library.toml").open("a", encoding="utf-8") as file:
        file.write("\n# a clinic's local copy\n")
    changed = load_library(root)
    shipped = load_protocol_library()

    stored = load_protocol_library(library=changed)

    assert stored.pk != shipped.pk
    assert stored.version == changed.version != shipped.version
    assert ProtocolVersion.objects.count() == 2


def test_a_stored_version_cannot_be_changed() -> None:
    version = load_protocol_library()
    version.release = "edited"
    with pytest.raises(ProtocolVersionImmutableError):
        version.save()
    version.refresh_from_db()
    assert version.release == load_library().release
