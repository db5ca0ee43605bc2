"""Where photos are kept, from the environment: a folder of the data folder by default, an
S3-compatible bucket when MESODESK_PHOTO_BUCKET is set; never with a public URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesodesk.config.env import SettingError, photo_storage


def test_photos_go_to_the_data_folder_by_default() -> None:
    storage = photo_storage({}, var_dir=Path("/srv/var"))
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storage["OPTIONS"] == {"location": "/srv/var/media/photos", "base_url": None}


def test_a_bucket_with_its_endpoint_region_and_prefix() -> None:
    storage = photo_storage(
        {
            "MESODESK_PHOTO_BUCKET": "clinic-photos",
            "MESODESK_PHOTO_ENDPOINT_URL": "https://s3.example.org",
            "MESODESK_PHOTO_REGION": "eu-central-1",
        },
        var_dir=Path("/srv/var"),
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "clinic-photos",
        "https://s3.example.org",
        "eu-central-1",
    )
    assert (options["location"], options["default_acl"], options["file_overwrite"]) == (
        "photos",
        "private",
        False,
    )


def test_an_endpoint_that_is_not_http_is_refused() -> None:
    with pytest.raises(SettingError, match="MESODESK_PHOTO_ENDPOINT_URL"):
        photo_storage(
            {"MESODESK_PHOTO_BUCKET": "b", "MESODESK_PHOTO_ENDPOINT_URL": "ftp://x"},
            var_dir=Path("/srv/var"),
        )
