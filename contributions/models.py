"""Ideas sent against challenges by anyone, without an account, and moderated by city staff."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# No 0/O, 1/I/L: a reference is read aloud on the telephone and typed from paper.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "HBG-"


def new_reference() -> str:
    """A short reference for people, such as HBG-7K3M9Q (31^6, about 900 million values)."""
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def reference_in(text: str) -> str | None:
    """The reference a person means by what they type or read out: "7K3M9Q", "hbg 7k3m9q"
    and "HBG-7K3M9Q" all mean HBG-7K3M9Q. None when the text is no reference."""
    code = "".join(character for character in text.upper() if character.isalnum())
    prefix = REFERENCE_PREFIX.rstrip("-")
    if len(code) == len(prefix) + 6 and code.startswith(prefix):
        code = code[len(prefix) :]
    if len(code) == 6 and all(character in REFERENCE_ALPHABET for character in code):
        return REFERENCE_PREFIX + code
    return None


def new_token() -> str:
    """The secret in the private status link: 256 random bits."""
    return secrets.token_urlsafe(32)


class SubmitterKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    CITY_EMPLOYEE = "city_employee", _("City employee")
    ASSOCIATION = "association", _("Association")
    BUSINESS = "business", _("Business")
    ACADEMIA = "academia", _("Academia")
    OTHER = "other", _("Other")


# How a sender who kept their name hidden is named after "From" ("Från") on public pages: the
# kind's label alone read "Från Annat" / "From Other".
SENDER_WITHOUT_NAME = {
    SubmitterKind.RESIDENT: pgettext_lazy("idea from", "a resident"),
    SubmitterKind.CITY_EMPLOYEE: pgettext_lazy("idea from", "a city employee"),
    SubmitterKind.ASSOCIATION: pgettext_lazy("idea from", "an association"),
    SubmitterKind.BUSINESS: pgettext_lazy("idea from", "a business"),
    SubmitterKind.ACADEMIA: pgettext_lazy("idea from", "academia"),
    SubmitterKind.OTHER: pgettext_lazy("idea from", "a participant"),
}


class ContributionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")
    SPAM = "spam", _("Spam")


class DeclineReason(models.TextChoices):
    OFF_TOPIC = "off_topic", _("Not about this challenge")
    DUPLICATE = "duplicate", _("The same idea has already been sent")
    NOT_AN_IDEA = "not_an_idea", _("A question or complaint rather than an idea")
    PERSONAL_DATA = "personal_data", _("Contains personal data about others")
    OFFENSIVE = "offensive", _("Offensive or breaks the rules for ideas")
    OUT_OF_SCOPE = "out_of_scope", _("Outside what the city can decide")
    OTHER = "other", _("Other reason")


DECIDED = [ContributionStatus.PUBLISHED, ContributionStatus.DECLINED, ContributionStatus.SPAM]
# How long the moderators took to decide on an idea.
DECISION_TIME = models.ExpressionWrapper(
    models.F("decided_at") - models.F("created_at"), output_field=models.DurationField()
)


# When the public first saw a published idea: when the decision to publish it was taken, or
# when it arrived, for an idea published before decisions were timed. The order of the
# newest published ideas and the index that serves it must use this same expression.
PUBLISHED_AT = Coalesce("decided_at", "created_at")


# Pending ideas first. The moderation order and the index that serves it must use this same
# expression.
PENDING_FIRST = models.Case(
    models.When(status=ContributionStatus.PENDING, then=models.Value(0)),
    default=models.Value(1),
)
MODERATION_ORDER = [PENDING_FIRST.asc(), "created_at", "pk"]


# What the public sees of a published idea (see ContributionQuerySet.public_columns).
PUBLIC_COLUMNS = (
    "title",
    "text",
    "name",
    "show_name",
    "kind",
    "public_answer",
    "reference",
    "language",
    "created_at",
    "decided_at",
    "status",
    "challenge",
    "initiative",
)
# An initiative or a challenge as an idea names it: a link, if the public may see it.
LINKED_COLUMNS = ("title", "slug", "status", "publish_at")


class ContributionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ContributionStatus.PUBLISHED)

    def published_newest_first(self) -> "ContributionQuerySet":
        """Published ideas, the most recently published first (PUBLISHED_AT): an idea sent
        long ago and published today is new to those who follow the ideas."""
        return self.published().order_by(PUBLISHED_AT.desc(), "-pk")

    def pending(self):
        return self.filter(status=ContributionStatus.PENDING)

    def decided(self):
        return self.filter(status__in=DECIDED)

    def of_published_challenges(self):
        """The ideas whose challenge the public sees: those not sent against an unpublished
        one. PostgreSQL tests each idea against the few unpublished challenges in a hash,
        instead of looking up the challenge of each (35 of a common word's 100 ms)."""
        from challenges.models import Challenge

        return self.exclude(challenge__in=Challenge.objects.unpublished().values("pk"))

    def public_columns(self, *linked: str):
        """Only what the public pages and feeds show of an idea (see public_name): its sender's
        e-mail, organisation, internal note and tokens are never read for them. `linked` names
        the relations ("challenge", "initiative") an idea links to, selected with it."""
        return self.only(
            *PUBLIC_COLUMNS,
            *(f"{relation}__{column}" for relation in linked for column in LINKED_COLUMNS),
        )

    def moderation_queue(self):
        """Pending ideas first, oldest first, then the decided ones."""
        return self.order_by(*MODERATION_ORDER)


class Contribution(models.Model):
    """An idea sent against a challenge. Its name and e-mail are private (see public_name)."""

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.PROTECT,
        related_name="contributions",
        db_index=False,  # indexed with the time and the key (Meta.indexes)
    )
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("idea"), max_length=5000)
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True, db_index=True)
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    kind = models.CharField(
        _("who they are"), max_length=20, choices=SubmitterKind.choices, db_index=True
    )
    show_name = models.BooleanField(_("name may be shown"), default=False)
    consent = models.BooleanField(_("consent to the handling of personal data"), default=False)

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ContributionStatus.choices,
        default=ContributionStatus.PENDING,
        db_index=True,
    )
    decline_reason = models.CharField(
        _("reason for declining"),
        max_length=20,
        choices=DeclineReason.choices,
        blank=True,
        help_text=_("Required when declined; shown to the public in the counts."),
    )
    internal_note = models.TextField(
        _("internal note"),
        max_length=2000,
        blank=True,
        help_text=_("For staff only. Never shown in public."),
    )
    public_answer = models.TextField(
        _("the city's answer"),
        max_length=5000,
        blank=True,
        help_text=_("Shown in public with a published idea, and on the sender's status page."),
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative",
        verbose_name=_("led to initiative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_reference, editable=False
    )
    token = models.CharField(
        _("status token"), max_length=64, unique=True, default=new_token, editable=False
    )
    # Names the form page and idea it came from; "" for ideas that did not come from the form.
    submission_key = models.CharField(
        _("submission key"), max_length=64, blank=True, default="", editable=False
    )
    # The language of the form's page it was sent from ("" for ideas sent before it was
    # recorded, counted as the content's): moderators answer in it, and pages in the other
    # language mark the idea with it (WCAG 3.1.2).
    language = models.CharField(
        _("language of the form"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        editable=False,
    )
    # Indexed with the key (Meta.indexes), for the pages far down the queue.
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    # The decision the sender was last told of by e-mail ("" for none): the same decision
    # saved again (or given back after the idea went back to the queue) is not told twice.
    mailed_decision = models.CharField(
        _("decision e-mailed to the sender"),
        max_length=20,
        choices=ContributionStatus.choices,
        blank=True,
        default="",
        editable=False,
    )
    anonymised_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent=True),
                name="contribution_consent_given",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status=ContributionStatus.DECLINED) & ~models.Q(decline_reason="")
                )
                | (~models.Q(status=ContributionStatus.DECLINED) & models.Q(decline_reason="")),
                name="contribution_decline_reason_iff_declined",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ContributionStatus]),
                name="contribution_status_known",
            ),
            # The same form sent again with the same idea is that idea, never a second one.
            models.UniqueConstraint(
                fields=["challenge", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="contribution_submitted_once",
            ),
        ]
        indexes = [
            # A challenge's ideas by status; on PostgreSQL it also holds what the statistics
            # count, so they are counted from the index instead of the wide table.
            models.Index(
                fields=["challenge", "status"],
                include=["decline_reason", "kind", "created_at", "decided_at"],
                name="contribution_stats_idx",
            ),
            # The moderators' queue: a page of half a million ideas read off the index. With
            # the status in it, the keys of a page far down the queue are read from the index
            # alone (FromEitherEndPaginator): 21 ms to skip 250,000 ideas, 137 without it.
            models.Index(
                PENDING_FIRST,
                "created_at",
                "id",
                name="contribution_moderation_idx",
                include=["status"],
            ),
            # The ideas by time of sending, newest or oldest first: the keys of a page far down
            # the queue sorted so, read from the index alone (20 ms for 250,000 ideas, 95 ms off
            # the time alone). It also serves what an index of the time alone served.
            models.Index(fields=["created_at", "id"], name="contribution_received_idx"),
            # A challenge's ideas by time: the queue sorted by challenge, whose pages far down
            # are then read off it, challenge by challenge (58-100 ms of SQL to skip 250,000
            # ideas, 260 ms joined and sorted in full), and a challenge's public ideas.
            models.Index(
                fields=["challenge", "created_at", "id"], name="contribution_challenge_idx"
            ),
            # The queue sorted by one of its columns, then by time (ContributionAdmin.get_ordering).
            *(
                models.Index(fields=[column, "created_at", "id"], name=f"contribution_{name}_idx")
                for column, name in (
                    ("title", "title"),
                    ("kind", "kind"),
                    ("status", "status"),
                    ("decline_reason", "reason"),
                    ("decided_by", "decider"),
                )
            ),
            # A challenge's published ideas, the most recently published first: its feed
            # reads the newest few off the index instead of sorting all of them.
            models.Index(
                "challenge",
                PUBLISHED_AT.desc(),
                models.F("id").desc(),
                name="contribution_published_idx",
                condition=models.Q(status=ContributionStatus.PUBLISHED),
            ),
            # One person's ideas by e-mail address, whatever its case (erasure on request).
            models.Index(Upper("email"), name="contribution_email_upper_idx"),
            # The decided ideas by the time taken to decide: the median is read off it at an
            # offset (statistics.median_decision_time), with what the statistics filter on.
            models.Index(
                DECISION_TIME,
                "id",
                name="contribution_decision_time_idx",
                include=["challenge", "created_at", "decided_at"],
                condition=models.Q(status__in=DECIDED, decided_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._remember_stored()

    def get_absolute_url(self):
        """The private status page: only the sender (and whoever they share it with) knows it."""
        return reverse("contributions:status", kwargs={"token": self.token})

    def get_public_url(self):
        """Where the published idea is shown: on its challenge's page, at the page of its
        ideas that holds it (?idea=, see templatetags.contributions.challenge_ideas)."""
        return f"{self.challenge.get_absolute_url()}?idea={self.reference}#idea-{self.reference}"

    def clean(self):
        super().clean()
        if self.status == ContributionStatus.DECLINED and not self.decline_reason:
            raise ValidationError(
                {"decline_reason": _("Choose why the idea is declined.")}, code="required"
            )
        if self.status != ContributionStatus.DECLINED and self.decline_reason:
            raise ValidationError(
                {"decline_reason": _("A reason for declining goes only with a declined idea.")},
                code="invalid",
            )

    @property
    def public_name(self) -> str:
        """The sender's name where they allowed it, otherwise only who they are, in words that
        follow "From" ("a resident")."""
        if self.show_name and self.name:
            return self.name
        return SENDER_WITHOUT_NAME.get(self.kind) or SENDER_WITHOUT_NAME[SubmitterKind.OTHER]

    @property
    def public_initiative(self):
        """The initiative the idea led to, only if the public may see it."""
        if self.initiative_id and self.initiative.is_public:
            return self.initiative
        return None

    # What no public page shows and no statistic counts: a save of only these (the admin saves
    # the fields a moderator changed) leaves every cached page as it is (pagecache).
    PAGE_CACHE_UNSHOWN_FIELDS = frozenset({"internal_note", "email", "mailed_decision"})

    # Whether the idea was public as last read or saved: a save that takes it out of the public
    # changes what the public sees as much as one that makes it public.
    _stored_status: str | None = None

    # And the initiative it led to as last read or saved: moved to another, it leaves that
    # one's page.
    _stored_initiative_id: int | None = None

    # And the city's answer and the reason for declining: the sender is told of the first
    # answer and of each change to either (services).
    _stored_answer: str | None = None
    _stored_decline_reason: str | None = None

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        idea = super().from_db(db, field_names, values, **kwargs)
        idea._remember_stored()
        return idea

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._remember_stored()

    def _remember_stored(self) -> None:
        self._stored_status = self.__dict__.get("status")
        self._stored_initiative_id = self.__dict__.get("initiative_id")
        self._stored_answer = self.__dict__.get("public_answer")
        self._stored_decline_reason = self.__dict__.get("decline_reason")

    def page_cache_kinds(self) -> tuple[str, ...]:
        """What a change to this idea changes besides the statistics' counts (pagecache): its
        challenge's counts, the ideas the public sees if it is or was published (with the
        initiatives it leads or led to), and the decided ideas (the median time to a
        decision) if it is or was decided. An idea arriving, or one declined while it waited,
        is public nowhere else."""
        from helsingborg_innovation import pagecache
        from initiatives.models import Initiative

        kinds = [pagecache.ideas_received(self.challenge.slug)]
        if ContributionStatus.PUBLISHED in (self.status, self._stored_status):
            kinds.append(pagecache.PUBLIC_IDEAS)
            if initiatives := {self.initiative_id, self._stored_initiative_id} - {None}:
                slugs = Initiative.objects.filter(pk__in=initiatives).values_list("slug", flat=True)
                kinds.extend(pagecache.ideas_led_to(slug) for slug in slugs)
        if {self.status, self._stored_status} - {ContributionStatus.PENDING, None}:
            kinds.append(pagecache.DECISIONS)
        return tuple(kinds)


class IdeaTally(models.Model):
    """How many ideas arrived in a month, by sender kind, status and reason for declining, and
    how many of those have a decision time. Kept by PostgreSQL itself (see tallies.py); never
    written from Python."""

    month = models.DateField()
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    decline_reason = models.CharField(max_length=20, blank=True)
    ideas = models.IntegerField(default=0)
    timed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "kind", "status", "decline_reason"], name="idea_tally_key"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.kind} {self.status}: {self.ideas}"


class ChallengeTally(models.Model):
    """How many ideas other than spam a challenge received in a year. Kept by PostgreSQL itself
    (see tallies.py); never written from Python."""

    challenge = models.ForeignKey(
        "challenges.Challenge", on_delete=models.CASCADE, related_name="+"
    )
    year = models.IntegerField()
    ideas = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "year"], name="challenge_tally_key")
        ]

    def __str__(self):
        return f"{self.challenge_id} {self.year}: {self.ideas}"


class ChallengeTotal(models.Model):
    """How many ideas other than spam a challenge has received in all: its ChallengeTally rows
    summed, kept beside them so that the challenges with the most ideas are read off an index
    in order. Kept by PostgreSQL itself (see tallies.py); never written from Python."""

    challenge = models.OneToOneField(
        "challenges.Challenge", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    ideas = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # The statistics' top challenges: the first few of this index, not a sum of every
            # challenge's tallies sorted (0.2 ms instead of 20-30 with 10,000 challenges). The
            # open challenges still waiting for their first idea are tested against it too
            # (9-12 ms for 5,000 open challenges; 15-17 against the yearly tallies' index).
            models.Index(
                fields=["-ideas"], name="challenge_total_ideas_idx", condition=models.Q(ideas__gt=0)
            )
        ]

    def __str__(self):
        return f"{self.challenge_id}: {self.ideas}"


class DecisionTally(models.Model):
    """How many decided ideas (published, declined or marked as spam, with a decision time)
    received in each year (settings.TIME_ZONE) took each whole number of hours to decide. The
    statistics find the hour that holds the median time to a decision here, and read the ideas
    from its start, instead of counting every decided idea up to the middle (35-45 ms for
    250,000). Kept by PostgreSQL itself (see tallies.py); never written from Python."""

    year = models.IntegerField()
    hours = models.IntegerField()
    ideas = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "hours"], name="decision_tally_key"),
        ]

    def __str__(self):
        return f"{self.year}, {self.hours} h: {self.ideas}"


class QueuedMail(models.Model):
    """An e-mail about an idea that the mail server has not yet accepted.

    Stored with the idea, in the same transaction, so that a mail server that is down loses
    neither the sender's receipt nor the moderators' notice: the mail is tried once the idea is
    committed and again by `manage.py send_queued_mail` until it is accepted, then deleted.
    It holds the sender's address, so it goes with the idea's personal data (see services).
    """

    contribution = models.ForeignKey(
        Contribution, verbose_name=_("idea"), on_delete=models.CASCADE, related_name="queued_mail"
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    to = models.JSONField(_("to"), default=list)
    bcc = models.JSONField(_("bcc"), default=list)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    send_after = models.DateTimeField(_("next attempt"), db_index=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["send_after", "pk"]
        verbose_name = _("queued e-mail")
        verbose_name_plural = _("queued e-mails")

    def __str__(self):
        return f"{self.contribution.reference}: {self.subject}"
