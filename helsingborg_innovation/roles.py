"""The staff groups and what each may do. Migrations create and update the groups from here."""

EDITORS = "Editors"
MODERATORS = "Moderators"

# (app label, model) pairs each group may add, change, delete and view.
EDITOR_MODELS = [
    ("challenges", "challenge"),
    ("initiatives", "initiative"),
    ("initiatives", "impactgoal"),
    ("initiatives", "phasechange"),
    ("methods", "method"),
    ("methods", "attachment"),
    ("site", "department"),
    ("site", "contactperson"),
    ("site", "partner"),
    ("taggit", "tag"),
]
EDITOR_VIEW_ONLY = [("site", "globalgoal")]

# Moderators read all content and the shared vocabulary (to judge an idea against its
# challenge and link it to the initiative it led to, with that initiative's methods,
# departments and partners) but edit none of it.
MODERATOR_VIEW_ONLY = [model for model in EDITOR_MODELS if model != ("taggit", "tag")]
MODERATOR_VIEW_ONLY += EDITOR_VIEW_ONLY


def sync_group(apps, name: str, full: list, view_only: list) -> None:
    """Give a group exactly the permissions listed (adding to what it has)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=name)
    codenames = []
    for app_label, model in full:
        codenames += [
            (app_label, f"{action}_{model}") for action in ("add", "change", "delete", "view")
        ]
    codenames += [(app_label, f"view_{model}") for app_label, model in view_only]
    for app_label, codename in codenames:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        group.permissions.add(permission)
