"""The read-only patients.Consent list is retired: consents.SignedConsent supersedes it
(its rows were moved by consents 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_phone_e164"),
        # Its rows were copied into consents.SignedConsent first.
        ("consents", "0002_consents_from_patients"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="consent",
            name="patients_consent_by_kind",
        ),
        migrations.RemoveConstraint(
            model_name="consent",
            name="patients_consent_kind_valid",
        ),
        migrations.RemoveField(
            model_name="consent",
            name="clinic",
        ),
        migrations.RemoveField(
            model_name="consent",
            name="patient",
        ),
        migrations.RemoveField(
            model_name="consent",
            name="recorded_by",
        ),
        migrations.DeleteModel(
            name="HistoricalConsent",
        ),
        migrations.DeleteModel(
            name="Consent",
        ),
    ]
