from django.db import migrations

from helsingborg_innovation import roles


def create_groups(apps, schema_editor):
    roles.sync_group(apps, roles.EDITORS, roles.EDITOR_MODELS, roles.EDITOR_VIEW_ONLY)
    roles.sync_group(apps, roles.MODERATORS, [], roles.MODERATOR_VIEW_ONLY)


class Migration(migrations.Migration):
    dependencies = [
        ("site", "0002_global_goals"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("challenges", "0002_initial"),
        ("initiatives", "0002_initial"),
        ("methods", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
