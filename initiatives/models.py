from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.date_limits import validate_date_in_range
from helsingborg_innovation.markup import holds_images
from helsingborg_innovation.publishing import (
    IMAGES_NOT_SHOWN,
    Publishable,
    PublishableQuerySet,
    choice_label,
)


class Phase(models.TextChoices):
    IDEA = "idea", _("Idea")
    EXPLORATION = "exploration", _("Exploration")
    PILOT = "pilot", _("Pilot")
    IMPLEMENTATION = "implementation", _("Implementation")
    OPERATION = "operation", _("In operation")
    STOPPED = "stopped", _("Stopped")


# The road every initiative travels, in order; stopping can happen on any step of it.
PROGRESS = [Phase.IDEA, Phase.EXPLORATION, Phase.PILOT, Phase.IMPLEMENTATION, Phase.OPERATION]


class StopReason(models.TextChoices):
    NO_EFFECT = "no_effect", _("Did not give the effect hoped for")
    TOO_COSTLY = "too_costly", _("Cost more than it gave")
    NO_NEED = "no_need", _("The need changed or disappeared")
    TECHNOLOGY = "technology", _("The technology was not ready")
    ORGANISATION = "organisation", _("Lacked resources or ownership")
    PARTNER = "partner", _("A partner left")
    LEGAL = "legal", _("Legal or procurement obstacles")
    REPLACED = "replaced", _("Replaced by a better solution")
    OTHER = "other", _("Other reason")


# Stopped initiatives first: their lessons are what the lessons page is for. The ordering and
# the index that serves it must use this same expression.
STOPPED_FIRST = models.Case(
    models.When(phase=Phase.STOPPED, then=models.Value(0)), default=models.Value(1)
)


class InitiativeQuerySet(PublishableQuerySet):
    def for_cards(self) -> "InitiativeQuerySet":
        """As for every item, and without the explanation of a stop, which only the
        initiative's own page shows."""
        return super().for_cards().defer("stop_explanation")

    def stopped(self) -> "InitiativeQuerySet":
        return self.filter(phase=Phase.STOPPED)

    def not_stopped(self) -> "InitiativeQuerySet":
        return self.exclude(phase=Phase.STOPPED)

    def with_lessons(self) -> "InitiativeQuerySet":
        return self.exclude(lessons_learned="")

    def active_in(self, year: int) -> "InitiativeQuerySet":
        """Started in or before the year, and not ended before it (no end date: still going)."""
        return self.filter(
            models.Q(start_date__year__lte=year),
            models.Q(end_date__isnull=True) | models.Q(end_date__year__gte=year),
        )

    def stopped_first(self) -> "InitiativeQuerySet":
        """Stopped initiatives first (their lessons are what the lessons page is for)."""
        return self.order_by(STOPPED_FIRST, "-publish_at", "-pk")


class Initiative(Publishable):
    """One entry of the city's innovation portfolio, including those that were stopped."""

    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.IDEA, db_index=True
    )
    stop_reason = models.CharField(
        _("reason for stopping"), max_length=20, choices=StopReason.choices, blank=True
    )
    stop_explanation = models.TextField(
        _("why it was stopped"), blank=True, help_text=_("Required for a stopped initiative.")
    )
    lessons_learned = models.TextField(
        _("lessons learned"),
        blank=True,
        help_text=_("Markdown. Required for a stopped initiative, welcome in any phase."),
    )
    owner_department = models.ForeignKey(
        "site.Department",
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        related_name="owned_initiatives",
    )
    departments = models.ManyToManyField(
        "site.Department",
        verbose_name=_("participating departments"),
        blank=True,
        related_name="initiatives",
    )
    partners = models.ManyToManyField(
        "site.Partner", verbose_name=_("external partners"), blank=True, related_name="initiatives"
    )
    challenges = models.ManyToManyField(
        "challenges.Challenge",
        verbose_name=_("challenges addressed"),
        blank=True,
        related_name="initiatives",
    )
    methods = models.ManyToManyField(
        "methods.Method", verbose_name=_("methods used"), blank=True, related_name="initiatives"
    )
    goals = models.ManyToManyField(
        "site.GlobalGoal", verbose_name=_("global goals"), blank=True, related_name="initiatives"
    )
    start_date = models.DateField(
        _("start date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    end_date = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    # Kept by PostgreSQL from the departments and partners taking part, whatever writes them,
    # for the statistics (initiatives/reach.py); never written by the portal itself. On SQLite
    # they stay False and the statistics ask the relations instead.
    has_other_departments = models.BooleanField(default=False, editable=False)
    has_partners = models.BooleanField(default=False, editable=False)

    objects = InitiativeQuerySet.as_manager()

    url_name = "initiatives:detail"

    def get_phase_display(self) -> str:
        return choice_label(Phase, self.phase)

    def get_stop_reason_display(self) -> str:
        return choice_label(StopReason, self.stop_reason)

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        indexes = [
            models.Index(fields=["status", "publish_at"], name="initiative_published_idx"),
            # The admin's list: every initiative in the default order, a page off the index.
            # With the status, the keys of a page far down the public list are read from the
            # index alone (FromEitherEndPaginator): 6 ms to skip 48,000 initiatives, not 85.
            models.Index(
                fields=["-publish_at", "-id"], name="initiative_order_idx", include=["status"]
            ),
            # A phase's published initiatives, newest first, and their count from the index.
            models.Index(fields=["phase", "status", "publish_at"], name="initiative_phase_pub_idx"),
            # The lessons page (and the home page's lessons): published initiatives with lessons,
            # in the page's order, so a page is read off the index and the count from it alone.
            models.Index(
                STOPPED_FIRST,
                models.F("publish_at").desc(),
                models.F("id").desc(),
                name="initiative_lessons_idx",
                condition=models.Q(status="published") & ~models.Q(lessons_learned=""),
            ),
            # What the statistics count of each published initiative, in the order of the
            # tables of its departments and partners, so the portfolio's figures are read off
            # indexes without the initiatives' 118 MB of text (100,000 of them): reading the
            # table and probing each initiative's departments and partners in turn took
            # 210-270 ms of the 350-470 the figures took.
            models.Index(
                fields=["id"],
                include=[
                    "publish_at",
                    "phase",
                    "stop_reason",
                    "owner_department",
                    "start_date",
                    "end_date",
                    "has_other_departments",
                    "has_partners",
                ],
                condition=models.Q(status="published"),
                name="initiative_portfolio_idx",
            ),
            # A department's initiatives from the index alone (related initiatives).
            models.Index(fields=["owner_department", "id"], name="initiative_department_idx"),
            # The statistics' first year: the earliest start, found at the index's start
            # instead of reading every initiative (80 ms with 100,000).
            models.Index(fields=["start_date"], name="initiative_start_idx"),
            # The home page's count of stopped initiatives that share their lessons.
            models.Index(
                fields=["publish_at"],
                name="initiative_stopped_lessons_idx",
                condition=models.Q(status="published", phase="stopped")
                & ~models.Q(lessons_learned=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phase="stopped") | ~models.Q(stop_reason=""),
                name="stopped_initiative_has_reason",
                violation_error_message=_("A stopped initiative needs a reason for stopping."),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="initiative_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def clean(self):
        super().clean()
        errors = {}
        if self.phase == Phase.STOPPED:
            if not self.stop_reason:
                errors["stop_reason"] = _("Say why the initiative was stopped.")
            if not self.stop_explanation.strip():
                errors["stop_explanation"] = _("Explain why the initiative was stopped.")
            if not self.lessons_learned.strip():
                errors["lessons_learned"] = _("A stopped initiative must share what was learned.")
            # Without one it counts as active in every year after its start (active_in).
            if self.end_date is None:
                errors["end_date"] = _(
                    "A stopped initiative needs an end date: the day it was stopped."
                )
            # One ahead made its page say "Ends" and counted it as active in a year to come.
            elif self.end_date > timezone.localdate():
                errors["end_date"] = _(
                    "A stopped initiative ends the day it was stopped: its end date cannot be "
                    "in the future."
                )
        elif self.stop_reason:
            errors["stop_reason"] = _("Only a stopped initiative has a reason for stopping.")
        if holds_images(self.lessons_learned):
            errors["lessons_learned"] = IMAGES_NOT_SHOWN
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_stopped(self) -> bool:
        return self.phase == Phase.STOPPED

    # A start or end date still ahead is a plan: the page says "Starts" or "Ends", not
    # "Started" or "Ended" (pages are kept for the day they were made, see pagecache).
    @property
    def has_started(self) -> bool:
        return self.start_date is not None and self.start_date <= timezone.localdate()

    @property
    def has_ended(self) -> bool:
        """Past its end date; a stopped initiative has ended on its end date, even today."""
        if self.end_date is None:
            return False
        if self.phase == Phase.STOPPED:
            return self.end_date <= timezone.localdate()
        return self.end_date < timezone.localdate()

    def progress(self) -> list[dict]:
        """The road from idea to operation: each phase done, current or still ahead.

        A stopped initiative shows how far it came (its last phase before stopping, from the
        timeline) as where it stopped. When the timeline does not say, there is no road to
        draw: every phase "not reached" would claim it never got as far as an idea. Reads the
        timeline through `timeline.all()`, so a prefetched timeline costs no query.
        """
        reached = self.phase
        if self.is_stopped:
            before = [entry.phase for entry in self.timeline.all() if entry.phase != Phase.STOPPED]
            if not before:
                return []
            reached = before[-1]
        index = PROGRESS.index(reached) if reached in PROGRESS else -1
        steps = []
        for position, phase in enumerate(PROGRESS):
            if position < index:
                state = "done"
            elif position == index:
                state = "stopped" if self.is_stopped else "current"
            else:
                state = "ahead"
            steps.append({"phase": phase, "label": phase.label, "state": state})
        return steps


class ImpactGoal(models.Model):
    """What an initiative aims to change, and what it achieved."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="impact_goals",
    )
    description = models.CharField(_("goal"), max_length=300)
    target = models.CharField(_("target"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("impact goal")
        verbose_name_plural = _("impact goals")

    def __str__(self):
        return self.description


class PhaseChange(models.Model):
    """One step of an initiative's story: when it entered a phase, and why."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="timeline"
    )
    date = models.DateField(_("date"), validators=[validate_date_in_range])
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("phase change")
        verbose_name_plural = _("timeline")

    def __str__(self):
        return f"{self.date}: {self.get_phase_display()}"
