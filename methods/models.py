from django.db import models
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.publishing import Publishable, PublishableQuerySet, choice_label
from helsingborg_innovation.uploads import attachment_path, validate_attachment


class Method(Publishable):
    """A method, tool, template or guide for innovation work."""

    class Kind(models.TextChoices):
        METHOD = "method", _("Method")
        TOOL = "tool", _("Tool")
        TEMPLATE = "template", _("Template")
        GUIDE = "guide", _("Guide")

    class Stage(models.TextChoices):
        UNDERSTAND = "understand", _("Understand")
        IDEATE = "ideate", _("Ideate")
        PROTOTYPE = "prototype", _("Prototype")
        TEST = "test", _("Test")
        IMPLEMENT = "implement", _("Implement")
        SCALE = "scale", _("Scale")

    class Duration(models.TextChoices):
        HOURS = "hours", _("An hour or two")
        HALF_DAY = "half_day", _("Half a day")
        DAY = "day", _("A day")
        DAYS = "days", _("A few days")
        WEEKS = "weeks", _("Weeks or more")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, db_index=True)
    duration = models.CharField(
        _("time it takes"), max_length=20, choices=Duration.choices, blank=True
    )
    external_url = models.URLField(_("external link"), blank=True)

    objects = PublishableQuerySet.as_manager()

    url_name = "methods:detail"

    def get_kind_display(self) -> str:
        return choice_label(self.Kind, self.kind)

    def get_stage_display(self) -> str:
        return choice_label(self.Stage, self.stage)

    def get_duration_display(self) -> str:
        return choice_label(self.Duration, self.duration)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("method")
        verbose_name_plural = _("methods")
        indexes = [
            models.Index(fields=["status", "publish_at"], name="method_published_idx"),
            # The list, in its order: a page read off the index instead of sorting them all.
            models.Index(
                fields=["title", "id"],
                name="method_title_idx",
                condition=models.Q(status="published"),
            ),
        ]


class Attachment(models.Model):
    """A document that goes with a method, checked by type and size on upload."""

    method = models.ForeignKey(
        Method, verbose_name=_("method"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200)
    # The path holds a random folder (uploads.attachment_path) before the name people download:
    # within Django's 100 characters a name longer than some 60 was cut and given random
    # letters ("…_i_Helsingborgs_stad_-_vers_7cxGCNj.pdf").
    file = models.FileField(
        _("file"), upload_to=attachment_path, validators=[validate_attachment], max_length=255
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.title

    @property
    def extension(self) -> str:
        name = self.file.name or ""
        return name.rsplit(".", 1)[-1].upper() if "." in name else ""
