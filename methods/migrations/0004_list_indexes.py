"""The method list's order, published methods only: a page is read off the index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("methods", "0003_image_size_and_renditions")]

    operations = [
        migrations.AddIndex(
            model_name="method",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["title", "id"],
                name="method_title_idx",
            ),
        ),
    ]
