"""Moves the rows of the retired patients.Consent list into signed consents.

Those rows recorded a kind, a text version's name and the name signed, but no text and no
PDF. Each clinic that has some gets a placeholder text per kind as version 0 (the library's
texts become version 1 when first needed: `services.ensure_templates` copies only when no
version 1 or later exists), and each row becomes a typed-name consent whose PDF says what
was recorded then. A treatment consent of that list names no technique, so the gate asks
for the technique's consent again.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

KINDS = {"treatment": ("treatment", ""), "photography": ("photography", "clinical")}
TITLES = {
    "treatment": "Treatment consent (recorded before mesodesk kept consent texts)",
    "photography": "Photography consent, clinical record (recorded before mesodesk kept consent texts)",
    "marketing": "Marketing consent (recorded before mesodesk kept consent texts)",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    Old = apps.get_model("patients", "Consent")
    Template = apps.get_model("consents", "ConsentTemplate")
    Signed = apps.get_model("consents", "SignedConsent")
    if not Old.objects.exists():
        return
    from mesodesk.consents import pdf

    templates: dict[tuple[int, str], Any] = {}
    for old in Old.objects.select_related("clinic", "patient", "recorded_by").order_by("id"):
        purpose, tier = KINDS.get(old.kind, (old.kind, ""))
        key = (old.clinic_id, old.kind)
        if key not in templates:
            templates[key] = Template.objects.create(
                clinic_id=old.clinic_id,
                purpose=purpose,
                tier=tier,
                version=0,
                title=TITLES.get(old.kind, old.kind),
                text="The text of this consent was not kept; the version recorded is named below.",
            )
        template = templates[key]
        text = (
            f"Recorded in the earlier consent list as text version “{old.text_version}”."
            " The text itself was not kept."
        )
        signed_at = old.signed_at.replace(microsecond=0)
        recorder = old.recorded_by
        page = pdf.ConsentPage(
            clinic=old.clinic.name,
            time_zone=old.clinic.time_zone,
            patient=f"{old.patient.first_name} {old.patient.last_name}",
            patient_birth_date=(
                old.patient.birth_date.strftime("%-d %B %Y") if old.patient.birth_date else ""
            ),
            title=template.title,
            text=text,
            template_version=0,
            signer_name=old.signed_name,
            relationship="",
            method="typed",
            signature_svg="",
            signed_at=signed_at,
            channel="Moved from the earlier consent list",
            collected_by=(recorder.get_full_name() or recorder.email) if recorder else "",
            ip="",
            user_agent="",
        )
        data = pdf.render(page)
        Signed.objects.create(
            clinic_id=old.clinic_id,
            patient_id=old.patient_id,
            template=template,
            purpose=purpose,
            technique="",
            tier=tier,
            template_version=0,
            title=template.title,
            text=text,
            signer_name=old.signed_name,
            method="typed",
            channel="imported",
            collected_by_id=old.recorded_by_id,
            signed_at=signed_at,
            pdf=data,
            sha256=pdf.sha256(data),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0001_initial"),
        ("patients", "0004_phone_e164"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
