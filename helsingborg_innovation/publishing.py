"""The publishing life every public item shares: draft, published from a date, archived."""

import functools
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Greatest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from helsingborg_innovation.date_limits import validate_date_in_range
from helsingborg_innovation.images import ResponsiveImageField
from helsingborg_innovation.markup import holds_images
from helsingborg_innovation.uploads import image_path, validate_image


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


def choice_label(choices: type[models.Choices], value) -> str:
    """What `get_FOO_display()` gives for a value of these choices (the value itself when it is
    none of them). Django's builds a dictionary of every choice at each call, which was a
    tenth of the time of rendering a list of cards."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# Markdown texts are shown without images (markup.py): an editor who puts one in is told so.
IMAGES_NOT_SHOWN = _(
    "Images in the text are not shown on the site. Use the image field, with its text "
    "alternative, or link to the image."
)


# Who publishes the portal's content, as feeds and search engines name it.
PUBLISHER_NAME = "Helsingborgs stad"


# The columns of a challenge, initiative or method that a card in a list never shows.
CARD_LEAVES_OUT = ("body", "image", "image_width", "image_height", "image_renditions", "image_alt")


# A slug in the address `slug_url` reverses once (an item with this very slug gets its own).
_SLUG = "SLUG0PLACEHOLDER"
# What the URLs' slug converter accepts, and reverse() writes as it is.
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def slug_url(url_name: str, slug: str) -> str:
    """`reverse(url_name, kwargs={"slug": slug})`, from an address reversed once per worker,
    language and URL configuration: a list page links to each of its items, and reversing
    each address anew was a tenth of rendering a page of cards. Slugs in any other form than
    the plain one (which reverse leaves as it is) are reversed as before."""
    if not _PLAIN_SLUG.fullmatch(slug):
        return reverse(url_name, kwargs={"slug": slug})
    template = _slug_address(
        url_name,
        get_language(),
        # The default language's addresses have no language prefix.
        settings.LANGUAGE_CODE,
        get_script_prefix(),
        get_urlconf(),
        settings.ROOT_URLCONF,
    )
    return template.replace(_SLUG, slug, 1)


@functools.lru_cache(maxsize=256)
def _slug_address(url_name, *_what_reverse_depends_on) -> str:
    return reverse(url_name, kwargs={"slug": _SLUG})


# When the public last saw an item change: when it went public, or when it was changed after
# that. An item saved on Monday to go public on Friday is new on Friday (feeds, sitemaps).
PUBLIC_CHANGE = Greatest("updated_at", "publish_at")


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """What anonymous visitors may see: published, and its publishing date has come."""
        return self.filter(status=Status.PUBLISHED, publish_at__lte=timezone.now())

    def unpublished(self):
        """Everything `published()` leaves out: drafts, archived items, and those whose
        publishing date has not come or is not set. They are few, and each condition has an
        index (the challenges' `challenge_unpublished_idx` holds the first), so "not on an
        unpublished challenge" is a cheap test for each of half a million ideas where joining
        them to their published challenges was a third of the time of a common word's search."""
        return self.filter(
            ~models.Q(status=Status.PUBLISHED)
            | models.Q(publish_at__gt=timezone.now())
            | models.Q(publish_at__isnull=True)
        )

    def for_cards(self):
        """Without what a card in a list never shows: the body, the longest text of an item,
        and the image (a card has none), so that neither is read, sent or set up for each of a
        page of cards. A list that shows more than a card does asks for it itself."""
        return self.defer(*CARD_LEAVES_OUT)

    def visible_to(self, user):
        """Staff preview everything; everyone else sees only what is published."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()


class Publishable(models.Model):
    """Abstract base of challenges, initiatives and methods."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        allow_unicode=False,
        help_text=_(
            "The last part of the page's address. If you change it, the old address still "
            "leads to the page, unless another page is given it."
        ),
    )
    # The addresses it had before (FormerSlug), deleted with it.
    former_slugs = GenericRelation("site.FormerSlug")
    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("Plain text, at most 500 characters.")
    )
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    # A new upload is stored through images.image_store, which fills the three fields below.
    image = ResponsiveImageField(
        _("image"),
        upload_to=image_path,
        blank=True,
        validators=[validate_image],
        width_field="image_width",
        height_field="image_height",
        renditions_field="image_renditions",
    )
    image_width = models.PositiveIntegerField(
        _("image width"), null=True, blank=True, editable=False
    )
    image_height = models.PositiveIntegerField(
        _("image height"), null=True, blank=True, editable=False
    )
    image_renditions = models.JSONField(
        _("image renditions"), default=dict, blank=True, editable=False
    )
    image_alt = models.CharField(
        _("image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describe the image for people who cannot see it. Required with an image."),
    )
    contact = models.ForeignKey(
        "site.ContactPerson",
        verbose_name=_("contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish from"),
        null=True,
        blank=True,
        help_text=_(
            "A future date schedules publication. A date without a time means the start of "
            "that day. Empty means now, when published."
        ),
        validators=[validate_date_in_range],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # taggit has no Swedish translation of its own; this help text is in ours.
    tags = TaggableManager(_("tags"), help_text=_("A comma-separated list of tags."), blank=True)

    objects = PublishableQuerySet.as_manager()

    url_name: str = ""

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Keep the address it had when the slug is changed, so shared links still lead here;
        an item given a slug another had before takes that address over."""
        stored, adding = getattr(self, "_stored_slug", None), self._state.adding
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "slug" not in update_fields:
            return
        if adding or (stored is not None and stored != self.slug):
            self._slug_moved(None if adding else stored)
        self._stored_slug = self.slug

    def get_absolute_url(self):
        return slug_url(self.url_name, self.slug)

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        if "slug" in field_names:
            instance._stored_slug = values[field_names.index("slug")]
        return instance

    def _slug_moved(self, stored: str | None) -> None:
        from helsingborg_innovation.models import FormerSlug

        content_type = ContentType.objects.get_for_model(self)
        FormerSlug.objects.filter(content_type=content_type, slug=self.slug).delete()
        if stored:
            FormerSlug.objects.update_or_create(
                content_type=content_type, slug=stored, defaults={"object_id": self.pk}
            )

    @classmethod
    def moved(cls, slug: str, queryset: models.QuerySet):
        """The item of `queryset` whose address was once `slug`, or None."""
        from helsingborg_innovation.models import FormerSlug

        former = FormerSlug.objects.filter(
            content_type=ContentType.objects.get_for_model(cls), slug=slug
        ).values("object_id")
        return queryset.filter(pk__in=former).first()

    def clean(self):
        super().clean()
        errors = {}
        if self.image and not self.image_alt.strip():
            errors["image_alt"] = _("An image needs a text alternative.")
        if holds_images(self.body):
            errors["body"] = IMAGES_NOT_SHOWN
        if errors:
            raise ValidationError(errors)
        if self.status == Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()

    @property
    def is_public(self) -> bool:
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def public_change_at(self):
        """See PUBLIC_CHANGE."""
        if self.publish_at is None:
            return self.updated_at
        return max(self.updated_at, self.publish_at)

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def age_notice_days(self) -> int:
        return settings.CONTENT_AGE_NOTICE_DAYS

    @property
    def is_old(self) -> bool:
        """Whether the page carries the notice that its content is older than the set age:
        from the day after it turned that old, so that it changes with the date, as the copies
        of the page cache do (a notice due in the afternoon was missing from the copy made in
        the morning until midnight). Its age counts from when the public first saw it: a
        challenge written in September to go public in November was called old the day it
        went public."""
        last_young_day = timezone.localdate(self.public_change_at) + timedelta(
            days=self.age_notice_days
        )
        return last_young_day < timezone.localdate()
