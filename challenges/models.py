import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.date_limits import validate_date_in_range
from helsingborg_innovation.publishing import Publishable, PublishableQuerySet


def last_day():
    """The last day a challenge takes ideas, the end of time for one without a closing date.

    "Open" is then one range (from today on) instead of "no date, or a date not passed", and
    PostgreSQL reads the open challenges, soonest closing first, off an index from today
    instead of passing over every challenge that has closed.
    """
    return Coalesce("open_until", models.Value(datetime.date.max), output_field=models.DateField())


class ChallengeQuerySet(PublishableQuerySet):
    def open(self):
        """Taking ideas: no closing date, or one that has not passed."""
        return self.alias(last_day=last_day()).filter(last_day__gte=timezone.localdate())

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
        validators=[validate_date_in_range],
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
            # The admin's list: every challenge in the default order, a page off the index;
            # with the status, the keys of a page far down the public list too.
            models.Index(
                fields=["-publish_at", "-id"], name="challenge_order_idx", include=["status"]
            ),
            # The few challenges that are not published, found without reading the others
            # (see PublishableQuerySet.unpublished).
            models.Index(
                fields=["id"],
                name="challenge_unpublished_idx",
                condition=~models.Q(status="published"),
            ),
            # Open challenges, soonest closing first, and their count (home page, lists). The
            # date itself is included: PostgreSQL reads an expression's column from the index
            # only if it is there, so without it the count read every open challenge's row
            # (7 ms for 5,000 of them, 1.4 ms from the index alone).
            models.Index(
                last_day(),
                "publish_at",
                name="challenge_last_day_idx",
                condition=models.Q(status="published"),
                include=["open_until"],
            ),
        ]

    def clean(self):
        super().clean()
        # A challenge scheduled to go public after its last day for ideas would appear closed,
        # never having taken one.
        if (
            self.open_until is not None
            and self.publish_at is not None
            and self.publish_at > timezone.now()
            and self.open_until < timezone.localdate(self.publish_at)
        ):
            message = _(
                "The last day for ideas is before the challenge is published on %(date)s: it "
                "would never take an idea. Choose a later day, or publish the challenge earlier."
            )
            date = date_format(timezone.localdate(self.publish_at))
            raise ValidationError(
                {
                    "open_until": ValidationError(
                        message, code="closed_before_published", params={"date": date}
                    )
                }
            )

    @property
    def is_open(self) -> bool:
        return self.open_until is None or self.open_until >= timezone.localdate()

    @property
    def takes_ideas(self) -> bool:
        return self.is_public and self.is_open
