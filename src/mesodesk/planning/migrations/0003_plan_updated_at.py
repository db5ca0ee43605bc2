"""When a plan last changed: the FHIR CarePlan's meta.lastUpdated (issue 12)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_one_active_plan")]

    operations = [
        migrations.AddField(
            model_name="treatmentplan",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicaltreatmentplan",
            name="updated_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, editable=False
            ),
            preserve_default=False,
        ),
    ]
