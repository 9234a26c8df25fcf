"""The decided ideas by year received and whole hours taken to decide, kept by the tallies'
triggers (tallies.py), so that the statistics find the hour that holds the median time to a
decision without counting every decided idea up to it. Installing the tallies again counts
every idea afresh, these with the rest."""

from django.db import migrations, models


def install_tallies(apps, schema_editor):
    from contributions import tallies

    tallies.install(schema_editor)


def install_tallies_without_decisions(apps, schema_editor):
    from contributions import tallies

    tallies.install(schema_editor, decisions=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0012_challenge_totals"),
    ]

    operations = [
        migrations.CreateModel(
            name="DecisionTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.IntegerField()),
                ("hours", models.IntegerField()),
                ("ideas", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("year", "hours"), name="decision_tally_key")
                ],
            },
        ),
        migrations.RunPython(install_tallies, install_tallies_without_decisions, elidable=False),
    ]
