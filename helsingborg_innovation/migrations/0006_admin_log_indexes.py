"""Indexes on Django's admin log (django.contrib.admin's LogEntry, whose model has none but its
foreign keys'). Every decision on an idea writes a line of it: the admin's home lists the
latest of the member of staff signed in, and an item's history page its own lines. With a
moderator's 350,000 lines the home page took 134 ms, most of it sorting them by time.

LogEntry is Django's model, so the indexes are made in SQL that both databases understand."""

from django.db import migrations

INDEXES = {
    "site_admin_log_user_time_idx": "django_admin_log (user_id, action_time)",
    "site_admin_log_object_idx": "django_admin_log (content_type_id, object_id)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("site", "0005_moderators_read_all_content"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {columns}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
