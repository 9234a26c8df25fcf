from django.db import migrations

from helsingborg_innovation import roles


def grant(apps, schema_editor):
    # Moderators read and decide ideas; ideas come from the public, so nobody on staff adds
    # them, and they are erased by the retention command rather than deleted by hand.
    roles.sync_group(apps, roles.MODERATORS, [], [("contributions", "contribution")])
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.get(name=roles.MODERATORS)
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="contributions", codename="change_contribution"
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=roles.MODERATORS).first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="contributions")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0001_initial"),
        ("site", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
