"""Where photo files are kept: Django's storage "photos" (settings.STORAGES), a folder or
an S3-compatible bucket. Names carry no patient data: clinic id, a random id, the variant."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages


def photo_storage() -> Storage:
    """The storage photos are written to and read from."""
    return storages["photos"]


def save_pair(clinic_id: int, image: bytes, thumbnail: bytes) -> tuple[str, str]:
    """Writes a photo and its thumbnail under fresh names; returns the names kept."""
    storage = photo_storage()
    stem = f"clinic-{clinic_id}/{uuid.uuid4().hex}"
    full = storage.save(f"{stem}.jpg", ContentFile(image))
    small = storage.save(f"{stem}-thumb.jpg", ContentFile(thumbnail))
    return full, small


def read(name: str) -> bytes:
    """The bytes stored under `name`."""
    with photo_storage().open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


def delete(*names: str) -> None:
    """Removes files written for a photo that was not kept after all."""
    storage = photo_storage()
    for name in names:
        if name:
            storage.delete(name)
