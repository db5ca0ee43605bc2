"""Patients' phone numbers in E.164, read in their clinic's country where they carry no
country code. A number that cannot be read stays as written: staff see it on the chart and
correct it; it takes no text messages until then (messaging refuses it)."""

from django.db import migrations

from mesodesk.core.phones import PhoneError, to_e164


def phones_to_e164(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    for patient in Patient.objects.exclude(phone="").select_related("clinic").iterator():
        try:
            e164 = to_e164(patient.phone, patient.clinic.country)
        except PhoneError:
            continue
        if e164 != patient.phone:
            Patient.objects.filter(pk=patient.pk).update(phone=e164)


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0007_clinic_country_and_minimum_age"),
        ("patients", "0003_patient_merges_and_intake_source"),
    ]

    operations = [migrations.RunPython(phones_to_e164, migrations.RunPython.noop)]
