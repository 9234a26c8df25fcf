"""Whether other departments and external partners take part in each initiative, kept on its row
by PostgreSQL triggers (reach.py) and held by the statistics' index of the published
initiatives, so that the portfolio's figures are read off that index alone."""

from django.db import migrations, models


def install_reach(apps, schema_editor):
    from initiatives import reach

    reach.install(schema_editor)


def uninstall_reach(apps, schema_editor):
    from initiatives import reach

    reach.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0007_portfolio_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="initiative",
            name="initiative_portfolio_idx",
        ),
        migrations.AddField(
            model_name="initiative",
            name="has_other_departments",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="initiative",
            name="has_partners",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(install_reach, uninstall_reach),
        migrations.AddIndex(
            model_name="initiative",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["id"],
                include=(
                    "publish_at",
                    "phase",
                    "stop_reason",
                    "owner_department",
                    "start_date",
                    "end_date",
                    "has_other_departments",
                    "has_partners",
                ),
                name="initiative_portfolio_idx",
            ),
        ),
    ]
