"""The visit: who checked the patient in, started and ended the session, and when;
late cancellations; who cancelled.

A completed or no-show appointment from before this migration gets its end as the time it
was closed (the constraint below needs one). Changing the check constraints makes SQLite
rebuild the table, which drops the triggers of 0002 and 0003 that refuse double bookings:
they are created again at the end.
"""

import importlib
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def close_ended_visits(apps: Any, schema_editor: Any) -> None:
    appointment = apps.get_model("scheduling", "Appointment")
    for ended in appointment.objects.filter(status__in=("completed", "no_show"), ended_at=None):
        ended.ended_at = ended.end
        ended.save(update_fields=["ended_at"])


def recreate_sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("0002_no_double_booking", "0003_patient_and_planned_session_booked_once"):
        earlier = importlib.import_module(f"mesodesk.scheduling.migrations.{name}")
        earlier.backwards(apps, schema_editor)
        earlier.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0006_clinic_phone"),
        ("patients", "0002_initial"),
        ("planning", "0002_one_active_plan"),
        ("scheduling", "0003_patient_and_planned_session_booked_once"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="arrived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="arrived_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="started_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="arrived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="arrived_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="started_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("cancelled", "Cancelled"),
                    ("late_cancelled", "Cancelled late"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="booked",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalappointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("cancelled", "Cancelled"),
                    ("late_cancelled", "Cancelled late"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="booked",
                max_length=20,
            ),
        ),
        migrations.RunPython(close_ended_visits, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="appointment",
            name="scheduling_appointment_status_valid",
        ),
        migrations.RemoveConstraint(
            model_name="appointment",
            name="scheduling_appointment_cancelled_at_iff_cancelled",
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["booked", "cancelled", "late_cancelled", "completed", "no_show"],
                    )
                ),
                name="scheduling_appointment_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("cancelled_at__isnull", False),
                        ("status__in", ("cancelled", "late_cancelled")),
                    ),
                    models.Q(
                        models.Q(("status__in", ("cancelled", "late_cancelled")), _negated=True),
                        ("cancelled_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="scheduling_appointment_cancelled_at_iff_cancelled",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("ended_at__isnull", False), ("status__in", ("completed", "no_show"))),
                    models.Q(
                        models.Q(("status__in", ("completed", "no_show")), _negated=True),
                        ("ended_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="scheduling_appointment_ended_at_iff_ended",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("started_at__isnull", True),
                    models.Q(
                        ("arrived_at__isnull", False), ("status__in", ("booked", "completed"))
                    ),
                    _connector="OR",
                ),
                name="scheduling_appointment_started_after_arrival",
            ),
        ),
        # Changing check constraints makes SQLite rebuild the table, which drops its triggers.
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop, elidable=False),
    ]
