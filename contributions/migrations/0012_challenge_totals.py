"""Each challenge's ideas in all years, kept by the tallies' triggers (tallies.py), so that the
statistics read the challenges with the most ideas off an index. Installing the tallies again
counts every idea afresh, the totals with the rest."""

import django.db.models.deletion
from django.db import migrations, models


def install_tallies(apps, schema_editor):
    from contributions import tallies

    # DecisionTally's table comes in 0013, which installs the tallies again with it.
    tallies.install(schema_editor, decisions=False)


def install_tallies_without_totals(apps, schema_editor):
    from contributions import tallies

    tallies.install(schema_editor, totals=False, decisions=False)


class Migration(migrations.Migration):
    dependencies = [
        ("challenges", "0008_list_indexes"),
        ("contributions", "0011_challenge_tally_received_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChallengeTotal",
            fields=[
                (
                    "challenge",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="challenges.challenge",
                    ),
                ),
                ("ideas", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("ideas__gt", 0)),
                        fields=["-ideas"],
                        name="challenge_total_ideas_idx",
                    )
                ],
            },
        ),
        # What it was for (the challenges that have had an idea) is read off the totals now.
        migrations.RemoveIndex(model_name="challengetally", name="challenge_tally_received_idx"),
        migrations.RunPython(install_tallies, install_tallies_without_totals, elidable=False),
    ]
