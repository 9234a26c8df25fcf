"""Moderators read methods and the shared vocabulary too, as the README says, not only
challenges and initiatives."""

from django.db import migrations

from helsingborg_innovation import roles

# What this migration adds to the moderators' view permissions, for its reversal.
ADDED = [
    ("initiatives", "impactgoal"),
    ("initiatives", "phasechange"),
    ("methods", "method"),
    ("methods", "attachment"),
    ("site", "department"),
    ("site", "contactperson"),
    ("site", "partner"),
    ("site", "globalgoal"),
]


def grant(apps, schema_editor):
    roles.sync_group(apps, roles.MODERATORS, [], roles.MODERATOR_VIEW_ONLY)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=roles.MODERATORS).first()
    if group is None:
        return
    for app_label, model in ADDED:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename=f"view_{model}"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("site", "0004_search_words")]

    operations = [migrations.RunPython(grant, revoke)]
