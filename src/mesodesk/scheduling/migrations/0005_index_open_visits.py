"""An index of the booked appointments by start: Today lists the past visits nobody closed
(`scheduling.visits.unclosed`) from it, reading only those, however long the clinic's
history. Creating an index does not make SQLite rebuild the table: the double-booking
triggers of 0002 and 0003 stay."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_visit_states"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("status", "booked")),
                fields=["clinic", "start"],
                name="sched_appt_booked_start",
            ),
        ),
    ]
