"""The words of every title, kept by PostgreSQL triggers, among which search looks for the
words a visitor misspelt (search_words.py). The migration adds the words of every title there
is (5 s for the benchmark's 600,000 titles); on SQLite the table is created and stays empty."""

from django.db import migrations, models


def install(apps, schema_editor):
    from helsingborg_innovation import search_words

    search_words.install(schema_editor)


def uninstall(apps, schema_editor):
    from helsingborg_innovation import search_words

    search_words.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("site", "0003_staff_groups"),
        # The searched tables, with their titles.
        ("challenges", "0008_list_indexes"),
        ("contributions", "0011_challenge_tally_received_index"),
        ("initiatives", "0006_start_date_index"),
        ("methods", "0004_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[("word", models.TextField(primary_key=True, serialize=False))],
        ),
        migrations.RunPython(install, uninstall),
    ]
