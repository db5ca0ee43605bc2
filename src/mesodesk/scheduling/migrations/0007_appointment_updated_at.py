"""When an appointment last changed: the FHIR Appointment's meta.lastUpdated (issue 12).

Adding the column makes SQLite rebuild the table, which drops the double-booking triggers
of 0002 and 0003: they are created again at the end, as 0006 does."""

import django.utils.timezone
from django.db import migrations, models

from mesodesk.scheduling.migrations import _triggers


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_appointment_rebook")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="updated_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, editable=False
            ),
            preserve_default=False,
        ),
        migrations.RunPython(
            _triggers.recreate_sqlite_triggers, migrations.RunPython.noop, elidable=False
        ),
    ]
