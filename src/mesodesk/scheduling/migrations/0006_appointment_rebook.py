"""Appointments a closure cancelled, for the desk to book again (issue 13).

Adding a column with a default makes SQLite rebuild the table, which drops the triggers of
0002 and 0003 that refuse double bookings: they are created again at the end, as 0004
does."""

from django.db import migrations, models

from mesodesk.scheduling.migrations import _triggers

HELP = (
    "Cancelled by the clinic closing the day: listed on Today for the desk to book the "
    "patient again, until they are booked again or the desk marks it settled."
)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_index_open_visits"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="rebook",
            field=models.BooleanField(default=False, help_text=HELP),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="rebook",
            field=models.BooleanField(default=False, help_text=HELP),
        ),
        migrations.RunPython(
            _triggers.recreate_sqlite_triggers, migrations.RunPython.noop, elidable=False
        ),
    ]
