"""The patient's own copy of their data (GDPR Art. 15 and 20), built by the worker.

A request (`services.request_data_copy`) leaves a `DataCopy` row waiting; every worker
pass (`messaging.background`, task "patient-data-copy") first deletes the files of copies
offered for longer than `OFFERED`, then claims one waiting copy with a lease and builds
its ZIP:

- `fhir-bundle.json`: a FHIR R4 Bundle of type `collection` with every resource of the
  patient the FHIR registry knows (`fhir.everything.patient_resources`, built for the
  patient), each entry with its `fullUrl`;
- `consents/`: the PDFs of the consents they signed, as kept by the clinic;
- `photos/`: their clinical photos, the re-encoded JPEGs the clinic keeps;
- `README.txt`: what all this is, in plain words.

The ZIP is written to a temporary file (constant memory: resources are streamed into it)
and saved in the "photos" storage (private, no public URL) under a name that says nothing
about the patient. A worker that dies mid-build leaves a claim older than `LEASE`, which
the next pass takes over and starts again; a copy that failed `MAX_ATTEMPTS` times is
marked failed with the reason, and the patient may ask again.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mesodesk.audit.choices import AccessAction
from mesodesk.audit.services import record_access
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.selectors import pdf_bytes, signed_consents
from mesodesk.core.phones import shown
from mesodesk.fhir.everything import patient_resources
from mesodesk.fhir.registry import Context
from mesodesk.messaging.background import claim_first, register
from mesodesk.photos.selectors import photos_of_patient
from mesodesk.photos.storage import read as read_photo
from mesodesk.portal.choices import CopyStatus
from mesodesk.portal.models import DataCopy

log = logging.getLogger("mesodesk.portal.copies")

# How long a ready copy is offered for download before its file is deleted.
OFFERED = timedelta(days=7)
# A claim older than this belongs to a worker that stopped: another takes the copy over.
LEASE = timedelta(minutes=10)
# Builds tried before the copy is marked failed.
MAX_ATTEMPTS = 3
# Copies expired per pass (the rest wait for the next pass).
EXPIRE_BATCH = 50

README = """\
A copy of your data from {clinic}
{underline}

Prepared on {date} at your request (GDPR Articles 15 and 20). It holds what
{clinic} keeps about you in mesodesk, its practice system.

What is in this file

  fhir-bundle.json
      Everything the clinic records about you: your details, appointments,
      questionnaire answers, treatment plans and sessions, products used,
      consents, photos and ratings, as far as they exist. It is written in
      HL7 FHIR R4, the international standard for health data, so another
      clinic or a health app can read it. A text editor shows it too.

  consents/
      The consent forms you signed, as PDF documents ({consents}).

  photos/
      The clinical photos the clinic took of you, as JPEG images
      ({photos}).

Keep this file safe: it contains your health information. If anything in it is
wrong, or you have questions, please contact {clinic}{phone}.
"""


def copy_storage() -> Storage:
    """Where copies are kept: the photos' storage (private, no public URL; a folder or an
    S3-compatible bucket), under "data-copies/"."""
    return storages["photos"]


def fhir_base() -> str:
    """The FHIR base the bundle's `fullUrl`s point to."""
    return settings.MESODESK_BASE_URL.rstrip("/") + "/fhir/r4"


# --- the worker's task ---------------------------------------------------------------


@register("patient-data-copy")
def work(worker: str, now: datetime, stop: threading.Event) -> int:
    """One slice: expire what was offered long enough, then build one waiting copy.
    Returns how many copies it expired or built."""
    done = expire(now)
    if stop.is_set():
        return done
    copy = claim(worker, now)
    if copy is not None:
        build(copy, worker)
        done += 1
    return done


def claim(worker: str, now: datetime) -> DataCopy | None:
    """Takes the oldest waiting copy, or one whose worker's lease ran out; one that failed
    too often is marked failed instead. None when there is nothing to build."""
    stale = now - LEASE
    claimable = DataCopy.objects.filter(
        Q(status=CopyStatus.PENDING) | Q(status=CopyStatus.BUILDING, claimed_at__lt=stale)
    )

    def take(copy: DataCopy) -> bool:
        if copy.attempts >= MAX_ATTEMPTS:
            copy.status = CopyStatus.FAILED
            copy.last_error = (copy.last_error or "The worker stopped while preparing it.")[:300]
            copy.save(update_fields=["status", "last_error"])
            log.warning("data copy %s failed after %d attempts", copy.pk, copy.attempts)
            return False
        copy.status = CopyStatus.BUILDING
        copy.claimed_by = worker[:100]
        copy.claimed_at = now
        copy.attempts += 1
        copy.save(update_fields=["status", "claimed_by", "claimed_at", "attempts"])
        return True

    return claim_first(claimable, "requested_at", "id", take=take)


def build(copy: DataCopy, worker: str) -> None:
    """Writes the copy's ZIP and offers it; a failure puts it back to wait for another
    try (or fails it for good after `MAX_ATTEMPTS`), the reason kept."""
    try:
        with tempfile.TemporaryFile() as handle:
            write_zip(copy, handle)
            size = handle.tell()
            handle.seek(0)
            name = copy_storage().save(
                f"data-copies/clinic-{copy.clinic_id}/{uuid.uuid4().hex}.zip", File(handle)
            )
    except DatabaseError:
        raise
    except Exception as error:
        log.exception("data copy %s could not be built", copy.pk)
        reason = f"{type(error).__name__}: {str(error)[:200]}"
        status = CopyStatus.FAILED if copy.attempts >= MAX_ATTEMPTS else CopyStatus.PENDING
        DataCopy.objects.filter(pk=copy.pk, claimed_by=worker[:100]).update(
            status=status, last_error=reason[:300], claimed_by="", claimed_at=None
        )
        return
    _offer(copy, worker, name, size)


def _offer(copy: DataCopy, worker: str, name: str, size: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        kept = DataCopy.objects.filter(
            pk=copy.pk, status=CopyStatus.BUILDING, claimed_by=worker[:100]
        ).update(
            status=CopyStatus.READY,
            file=name,
            size_bytes=size,
            ready_at=now,
            expires_at=now + OFFERED,
            last_error="",
        )
        if kept:
            # The copy was made: an export of the patient's record, by the patient.
            record_access(
                clinic=copy.clinic,
                user=copy.requested_by,
                action=AccessAction.EXPORT,
                obj=copy,
                patient=copy.patient,
                path="worker: patient data copy",
            )
            _tell_ready(copy)
    if not kept:
        # Another worker took it over meanwhile (this one was too slow): its file wins.
        copy_storage().delete(name)


READY_MAIL = """\
Hello,

The copy of your data you asked {clinic} for is ready. Sign in to download it
(it is kept for 7 days):

{link}
"""


def _tell_ready(copy: DataCopy) -> None:
    """A short e-mail that the copy is ready, to the account that asked: a link to the
    page, nothing about the contents."""
    user = copy.requested_by
    if not user.is_active or not user.email:
        return
    path = reverse("portal:preferences", kwargs={"clinic_slug": copy.clinic.slug})
    body = READY_MAIL.format(
        clinic=copy.clinic.name, link=settings.MESODESK_BASE_URL.rstrip("/") + path + "#copy"
    )
    subject = f"Your copy of your data from {copy.clinic.name} is ready"
    address = user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, from_email=None, recipient_list=[address])
    )


def expire(now: datetime) -> int:
    """Deletes the files of copies offered for `OFFERED`; the portal then says the copy
    expired and offers to ask again."""
    due = list(
        DataCopy.objects.filter(status=CopyStatus.READY, expires_at__lte=now).values_list(
            "pk", "file"
        )[:EXPIRE_BATCH]
    )
    storage = copy_storage()
    for pk, name in due:
        if name:
            storage.delete(name)
        DataCopy.objects.filter(pk=pk, status=CopyStatus.READY).update(
            status=CopyStatus.EXPIRED, file=""
        )
    return len(due)


# --- the ZIP ---------------------------------------------------------------------------


def write_zip(copy: DataCopy, handle: IO[bytes]) -> None:
    """The copy's ZIP into `handle`."""
    clinic, patient = copy.clinic, copy.patient
    consents = list(signed_consents(clinic, patient).order_by("signed_at", "id"))
    photos = list(photos_of_patient(clinic, patient))
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        bundle = zipfile.ZipInfo("fhir-bundle.json", date_time=_stamp())
        bundle.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(bundle, "w") as out:
            _write_bundle(copy, out)
        for number, consent in enumerate(consents, start=1):
            archive.writestr(_consent_name(number, consent), pdf_bytes(consent))
        for number, photo in enumerate(photos, start=1):
            taken = photo.taken_at.date().isoformat()
            name = f"photos/{number:03d}-{taken}-{photo.area}-{photo.view}-{photo.kind}.jpg"
            # Already JPEG: stored, not compressed again.
            archive.writestr(name, read_photo(photo.image), compress_type=zipfile.ZIP_STORED)
        phone = f" ({shown(clinic.phone)})" if clinic.phone else ""
        archive.writestr(
            "README.txt",
            README.format(
                clinic=clinic.name,
                underline="=" * len(f"A copy of your data from {clinic.name}"),
                date=copy.requested_at.date().isoformat(),
                consents=_files(len(consents)),
                photos=_files(len(photos)),
                phone=phone,
            ),
        )


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _stamp() -> tuple[int, int, int, int, int, int]:
    now = timezone.localtime()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def _consent_name(number: int, consent: SignedConsent) -> str:
    day = consent.signed_at.date().isoformat()
    slug = "".join(c if c.isalnum() else "-" for c in consent.title.lower()).strip("-")[:60]
    return f"consents/{number:02d}-{day}-{slug or 'consent'}.pdf"


def _write_bundle(copy: DataCopy, out: IO[bytes]) -> None:
    """The Bundle, streamed entry by entry (a patient's record is small, but nothing here
    assumes it)."""
    base = fhir_base()
    ctx = Context(clinic=copy.clinic, member=None, base=base)
    head = {
        "resourceType": "Bundle",
        "id": f"data-copy-{copy.pk}",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
    }
    out.write(json.dumps(head)[:-1].encode() + b', "entry": [\n')
    first = True
    for resource in patient_resources(copy.patient, ctx):
        entry = {
            "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
        }
        out.write((b"" if first else b",\n") + json.dumps(entry, default=str).encode())
        first = False
    out.write(b"\n]}\n")
