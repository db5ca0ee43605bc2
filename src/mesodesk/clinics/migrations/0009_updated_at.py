"""When a clinic, a membership, a room or a device last changed: the FHIR resources' meta.lastUpdated
and the `_lastUpdated` search (issue 12). Existing rows get the migration's time."""

import django.utils.timezone
from django.db import migrations, models


def _now(model_name: str, *, historical: bool = False) -> migrations.AddField:
    field = (
        models.DateTimeField(blank=True, default=django.utils.timezone.now, editable=False)
        if historical
        else models.DateTimeField(auto_now=True, default=django.utils.timezone.now)
    )
    return migrations.AddField(
        model_name=model_name, name="updated_at", field=field, preserve_default=False
    )


class Migration(migrations.Migration):
    dependencies = [("clinics", "0008_clinic_address")]

    operations = [
        _now("clinic"),
        _now("historicalclinic", historical=True),
        _now("membership"),
        _now("historicalmembership", historical=True),
        _now("room"),
        _now("device"),
    ]
