"""Shared vocabulary: departments, contact people, external partners and the global goals."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A city department (förvaltning) or city company."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        COMPANY = "company", _("City company")

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class ContactPerson(models.Model):
    """A member of city staff whom the public may contact about an item."""

    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


class Partner(models.Model):
    """An organisation outside the city that takes part in initiatives."""

    class Kind(models.TextChoices):
        BUSINESS = "business", _("Business")
        ACADEMIA = "academia", _("Academia")
        ASSOCIATION = "association", _("Association")
        PUBLIC_BODY = "public_body", _("Public body")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


class GlobalGoal(models.Model):
    """One of the 17 UN sustainable development goals (seeded by a migration)."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        ordering = ["number"]
        verbose_name = _("global goal")
        verbose_name_plural = _("global goals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=17), name="global_goal_1_to_17"
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class SearchWord(models.Model):
    """A word of some title, among which search looks for the words a visitor misspelt. Kept
    by PostgreSQL triggers (search_words.py); derived data, empty on SQLite."""

    word = models.TextField(primary_key=True)

    def __str__(self):
        return self.word


class FormerSlug(models.Model):
    """An address a challenge, initiative or method had before its slug was changed, so that
    links already shared (in the local paper, a newsletter, a search engine) lead to it still
    (publishing.Publishable.save records them; listing.PublishedDetailView follows them)."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    slug = models.SlugField(_("former slug"), max_length=200, db_index=False)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("former address")
        verbose_name_plural = _("former addresses")
        constraints = [
            # The item that had a slug last is where its address leads.
            models.UniqueConstraint(
                fields=["content_type", "slug"], name="former_slug_unique_per_kind"
            )
        ]

    def __str__(self):
        return self.slug
