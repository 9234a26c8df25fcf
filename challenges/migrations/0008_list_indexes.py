"""The open challenges' index holds their closing date itself, so that counting them reads the
index alone (see Challenge.Meta.indexes)."""

import datetime

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("challenges", "0007_challenge_unpublished_index")]

    operations = [
        migrations.RemoveIndex(model_name="challenge", name="challenge_last_day_idx"),
        migrations.AddIndex(
            model_name="challenge",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "open_until",
                    models.Value(datetime.date(9999, 12, 31)),
                    output_field=models.DateField(),
                ),
                models.F("publish_at"),
                condition=models.Q(("status", "published")),
                include=("open_until",),
                name="challenge_last_day_idx",
            ),
        ),
    ]
