"""Running tallies of the ideas for the statistics, kept by PostgreSQL triggers (tallies.py),
and an index of the decided ideas by decision time. The tallies start from a count of every
idea there is; on SQLite they are created and stay empty."""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


def install_tallies(apps, schema_editor):
    from contributions import tallies

    # ChallengeTotal's table comes in 0012 and DecisionTally's in 0013, which install the
    # tallies again with them.
    tallies.install(schema_editor, totals=False, decisions=False)


def uninstall_tallies(apps, schema_editor):
    from contributions import tallies

    tallies.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("challenges", "0008_list_indexes"),
        ("contributions", "0009_sender_trigram_indexes"),
        ("initiatives", "0005_performance_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ChallengeTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.IntegerField()),
                ("ideas", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="IdeaTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("kind", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=20)),
                ("decline_reason", models.CharField(blank=True, max_length=20)),
                ("ideas", models.IntegerField(default=0)),
                ("timed", models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name="contribution",
            index=models.Index(
                models.ExpressionWrapper(
                    django.db.models.expressions.CombinedExpression(
                        models.F("decided_at"), "-", models.F("created_at")
                    ),
                    output_field=models.DurationField(),
                ),
                models.F("id"),
                condition=models.Q(
                    ("decided_at__isnull", False), ("status__in", ["published", "declined", "spam"])
                ),
                include=("challenge", "created_at", "decided_at"),
                name="contribution_decision_time_idx",
            ),
        ),
        migrations.AddField(
            model_name="challengetally",
            name="challenge",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="challenges.challenge",
            ),
        ),
        migrations.AddConstraint(
            model_name="ideatally",
            constraint=models.UniqueConstraint(
                fields=("month", "kind", "status", "decline_reason"), name="idea_tally_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="challengetally",
            constraint=models.UniqueConstraint(
                fields=("challenge", "year"), name="challenge_tally_key"
            ),
        ),
        migrations.RunPython(install_tallies, uninstall_tallies, elidable=False),
    ]
