"""Ideas waiting for moderation are not decided. Until now an answer saved on a waiting idea,
or a decided idea put back in the queue, kept or set the time and the moderator of a decision
that was never taken, and the sender's status page said "Decided"."""

from django.db import migrations


def clear(apps, schema_editor):
    Contribution = apps.get_model("contributions", "Contribution")
    Contribution.objects.filter(status="pending").exclude(
        decided_at=None, decided_by=None
    ).update(decided_at=None, decided_by=None)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0013_decision_tally")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop, elidable=True)]
