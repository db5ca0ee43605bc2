"""The PDF of a signed consent: WeasyPrint, PDF/A-3b, the same bytes for the same consent.

Everything the page shows comes from the consent's own fields (the text as signed, who,
how, when, where from). WeasyPrint would stamp the time of rendering and a random file
identifier; both are fixed here instead (the signing time, and a digest of the content),
so rendering the same consent again gives identical bytes and its SHA-256 can be kept.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import logging
import warnings
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string

# WeasyPrint logs every rendering step at INFO: noise in the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass(frozen=True)
class ConsentPage:
    """What the PDF of one signed consent shows."""

    clinic: str
    time_zone: str
    patient: str
    patient_birth_date: str
    title: str
    text: str
    template_version: int
    signer_name: str
    relationship: str
    method: str  # "drawn" or "typed"
    signature_svg: str
    signed_at: datetime
    channel: str
    collected_by: str
    ip: str
    user_agent: str


def render(page: ConsentPage) -> bytes:
    """The PDF/A-3b bytes of `page`."""
    import weasyprint  # imported here: it loads pango, which only signing and demo need
    from PIL import ImageFile

    # Importing WeasyPrint makes Pillow pad truncated images process-wide; photos must
    # refuse them (core.images), and the consent PDFs embed no uploaded image.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    local = page.signed_at.astimezone(ZoneInfo(page.time_zone))
    paragraphs = [p.strip() for p in page.text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    signature = ""
    if page.signature_svg:
        signature = "data:image/svg+xml;base64," + base64.b64encode(
            page.signature_svg.encode()
        ).decode("ascii")
    stamp = page.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    html = render_to_string(
        "consents/pdf.html",
        {
            "page": page,
            "paragraphs": paragraphs,
            "signature": signature,
            "signed_local": local.strftime("%-d %B %Y, %H:%M") + f" ({page.time_zone})",
            "stamp": stamp,
        },
    )
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode("ascii")
    # WeasyPrint 70 opens its sRGB profile for PDF/A and leaves closing it to the garbage
    # collector (a ResourceWarning): the document is dropped and collected right here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        data = weasyprint.HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b", pdf_identifier=identifier, uncompressed_pdf=False
        )
        gc.collect()
    return bytes(data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
