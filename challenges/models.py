from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.publishing import Publishable, PublishableQuerySet


class ChallengeQuerySet(PublishableQuerySet):
    def open(self):
        """Taking ideas: no closing date, or one that has not passed."""
        today = timezone.localdate()
        return self.filter(models.Q(open_until__isnull=True) | models.Q(open_until__gte=today))

    def closed(self):
        return self.filter(open_until__lt=timezone.localdate())


class Challenge(Publishable):
    """Something the city needs help with, open for ideas until a date."""

    owner_department = models.ForeignKey(
        "site.Department",
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    goals = models.ManyToManyField(
        "site.GlobalGoal", verbose_name=_("global goals"), blank=True, related_name="challenges"
    )
    open_until = models.DateField(
        _("open for ideas until"),
        null=True,
        blank=True,
        help_text=_("The last day ideas are taken. Empty means open until further notice."),
    )
    suggested_methods = models.ManyToManyField(
        "methods.Method",
        verbose_name=_("suggested methods"),
        blank=True,
        related_name="suggested_for",
    )

    objects = ChallengeQuerySet.as_manager()

    url_name = "challenges:detail"

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        indexes = [
            models.Index(fields=["status", "publish_at"], name="challenge_published_idx"),
            # The admin's list: every challenge in the default order, a page off the index.
            models.Index(fields=["-publish_at", "-id"], name="challenge_order_idx"),
            # Open challenges and their count (home page, lists), from the index alone.
            models.Index(
                fields=["open_until", "publish_at"],
                name="challenge_open_idx",
                condition=models.Q(status="published"),
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.open_until is None or self.open_until >= timezone.localdate()

    @property
    def takes_ideas(self) -> bool:
        return self.is_public and self.is_open
