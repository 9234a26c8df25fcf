"""An index of the few challenges that are not published (see PublishableQuerySet.unpublished):
the public's ideas are those not sent against one of them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("challenges", "0006_challenge_last_day_index")]

    operations = [
        migrations.AddIndex(
            model_name="challenge",
            index=models.Index(
                condition=models.Q(("status", "published"), _negated=True),
                fields=["id"],
                name="challenge_unpublished_idx",
            ),
        ),
    ]
