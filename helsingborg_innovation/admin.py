from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag, TaggedItem

from helsingborg_innovation import services
from helsingborg_innovation.models import ContactPerson, Department, GlobalGoal, Partner


def _owned_count(relation: str) -> Coalesce:
    """How many items a department owns through `relation`, counted for each row shown. Both
    counts in one GROUP BY joined every challenge of a department to every initiative of it
    (some 7 million rows a department with the benchmark's data: 40 s a page)."""
    owner = Department._meta.get_field(relation).field
    owned = (
        owner.model.objects.filter(**{owner.name: OuterRef("pk")})
        .order_by()
        .values(owner.name)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(owned), 0)


def _counts(model, field: str, items: list) -> dict:
    """How many rows of `model` name each of `items` in `field`, by item pk, in one query."""
    return dict(
        model.objects.filter(**{f"{field}__in": items})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values_list(field, "n")
    )


def _deleted_with_uses(model_admin, request, items: list, links, field: str, taken_from):
    """What deleting `items` deletes, said plainly (see ModelAdmin.get_deleted_objects): each
    item, and from how many it is taken (`taken_from(n)`), counted in one query of the rows
    `links` that link them by `field`. The linked content stays."""
    uses = _counts(links, field, items)
    opts = model_admin.model._meta
    deleted = []
    for item in items:
        deleted.append(f"{capfirst(opts.verbose_name)}: {item}")
        if n := uses.get(item.pk, 0):
            deleted.append([taken_from(n)])
    perms_needed = set() if model_admin.has_delete_permission(request) else {opts.verbose_name}
    return deleted, {opts.verbose_name_plural: len(items)}, perms_needed, []


def _contact_fields() -> list:
    """The fields that name a contact person: of challenges, initiatives and methods."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.many_to_one and field.related_model is ContactPerson
    ]


def _taken_from_initiatives(n: int) -> str:
    return ngettext("Taken from %(n)d initiative", "Taken from %(n)d initiatives", n) % {"n": n}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "challenge_count", "initiative_count", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                challenge_count=_owned_count("challenges"),
                initiative_count=_owned_count("owned_initiatives"),
            )
        )

    @admin.display(description=_("challenges owned"), ordering="challenge_count")
    def challenge_count(self, obj):
        return obj.challenge_count

    @admin.display(description=_("initiatives owned"), ordering="initiative_count")
    def initiative_count(self, obj):
        return obj.initiative_count

    def get_deleted_objects(self, objs, request):
        """Departments that own challenges or initiatives cannot be deleted (those would lose
        their owner): the page says how many each owns, linked to the list of them, where
        Django collected and listed every one (8,600 links, 1 MB, 2.4 s for a department of
        the benchmark's data)."""
        departments = list(objs)
        owned = []
        for relation in ("challenges", "owned_initiatives"):
            owner = Department._meta.get_field(relation).field
            opts = owner.model._meta
            counts = _counts(owner.model, owner.name, departments)
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            for department in departments:
                if n := counts.get(department.pk):
                    label = capfirst(opts.verbose_name_plural)
                    if len(departments) > 1:
                        label = f"{department}, {opts.verbose_name_plural}"
                    link = f"{url}?{owner.name}__id__exact={department.pk}"
                    owned.append(format_html('<a href="{}">{}: {}</a>', link, label, n))
        if owned:
            return [], {}, set(), owned
        # Otherwise it is taken from the initiatives it takes part in, which stay: said so,
        # where Django listed each link as "Initiative-department relation: … object (17)".
        return _deleted_with_uses(
            self,
            request,
            departments,
            Department._meta.get_field("initiatives").through,
            "department",
            _taken_from_initiatives,
        )


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "email", "phone", "department"]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["name", "role", "email"]
    autocomplete_fields = ["department"]

    def get_deleted_objects(self, objs, request):
        """The challenges, initiatives and methods that lose their contact: they stay, without
        one, so Django's page said nothing of them. Counted for each kind in one query, linked
        to the list of them."""
        contacts = list(objs)
        losing = {contact.pk: [] for contact in contacts}
        for field in _contact_fields():
            opts = field.model._meta
            counts = _counts(field.model, field.name, contacts)
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            for contact in contacts:
                if n := counts.get(contact.pk):
                    text = gettext("%(items)s left without a contact person: %(n)d") % {
                        "items": capfirst(opts.verbose_name_plural),
                        "n": n,
                    }
                    link = f"{url}?{field.name}__id__exact={contact.pk}"
                    losing[contact.pk].append(format_html('<a href="{}">{}</a>', link, text))
        opts = self.model._meta
        deleted = []
        for contact in contacts:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[contact.pk])
            label = capfirst(opts.verbose_name)
            deleted.append(format_html('{}: <a href="{}">{}</a>', label, change, contact))
            if losing[contact.pk]:
                deleted.append(losing[contact.pk])
        perms_needed = set() if self.has_delete_permission(request) else {opts.verbose_name}
        return deleted, {opts.verbose_name_plural: len(contacts)}, perms_needed, []


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "initiative_count", "website"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(initiative_count=Count("initiatives"))
            .order_by(*Partner._meta.ordering)  # a GROUP BY drops the default ordering
        )

    @admin.display(description=_("initiatives"), ordering="initiative_count")
    def initiative_count(self, obj):
        return obj.initiative_count

    def get_deleted_objects(self, objs, request):
        """The partners, and from how many initiatives each is taken: Django's page listed
        every link as "Initiative-partner relation: Initiative_partners object (17)" (7,870
        of them, 587 KB, for a partner of the benchmark's data). The initiatives stay."""
        return _deleted_with_uses(
            self,
            request,
            list(objs),
            Partner._meta.get_field("initiatives").through,
            "partner",
            _taken_from_initiatives,
        )


@admin.register(GlobalGoal)
class GlobalGoalAdmin(admin.ModelAdmin):
    """The 17 goals are seeded by a migration; staff read them and pick them, nothing more."""

    list_display = ["number", "name_sv", "name_en"]
    search_fields = ["name_sv", "name_en", "=number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# taggit's own admin of tags is replaced: it listed every use of a tag as an inline form (a tag
# on 300 initiatives made a page of 1.1 MB in 1.2 s, and it grows with every use), and its
# "merge" view answered any staff member, without the permission checks of the admin's own
# views, in English.
admin.site.unregister(Tag)


def _uses_label(tag: Tag) -> str:
    text = ngettext(
        "%(name)s (used on %(count)d item)", "%(name)s (used on %(count)d items)", tag.uses
    )
    return text % {"name": tag.name, "count": tag.uses}


class MergeTagsForm(forms.Form):
    """Which of the selected tags (`tags`, each with its number of uses) the others become."""

    keep = forms.TypedChoiceField(
        label=_("Tag to keep"),
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, tags: list[Tag], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(tag.pk, _uses_label(tag)) for tag in tags]


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        """A name that differs from another tag's only in its capitals is that tag: items are
        tagged whatever the capitals (TAGGIT_CASE_INSENSITIVE)."""
        name = self.cleaned_data["name"]
        same = Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if same is not None:
            raise forms.ValidationError(
                _(
                    "There is a tag “%(tag)s” already: capitals and small letters count as "
                    "the same. Merge the tags in the list of tags instead."
                ),
                code="tag_exists",
                params={"tag": same.name},
            )
        return name


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "slug", "uses"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    actions = ["merge_tags"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(uses=Count("taggit_taggeditem_items"))

    def lookup_allowed(self, lookup, value, request):
        """No filter through the tagged items in the address (the list offers none): Django
        allows one on any relation, and "?initiative=abc" went through taggit's generic
        object id to PostgreSQL, which refused it with an error (500). Refused now (400)."""
        try:
            field = Tag._meta.get_field(lookup.split(LOOKUP_SEP)[0])
        except FieldDoesNotExist:
            field = None
        if field is not None and field.is_relation:
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("uses"), ordering="uses")
    def uses(self, obj):
        return obj.uses

    def has_merge_permission(self, request) -> bool:
        """Merging changes the tag kept and deletes the others."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def changelist_view(self, request, extra_context=None):
        # Django answers an action the user may not run by showing the list again, as if
        # none had been chosen; a merge posted without the permissions is refused outright.
        if (
            request.method == "POST"
            and "merge_tags" in request.POST.getlist("action")
            and not self.has_merge_permission(request)
        ):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Merge selected tags"), permissions=["merge"])
    def merge_tags(self, request, queryset):
        """Ask which of the selected tags to keep, then give every item that has one of the
        others the kept one instead, and delete the others (see services.tags_merge)."""
        tags = list(queryset.order_by("name", "pk"))
        if len(tags) < 2:
            self.message_user(request, _("Select at least two tags to merge."), messages.WARNING)
            return None
        most_used = max(tags, key=lambda tag: tag.uses)
        if "post" in request.POST:
            form = MergeTagsForm(request.POST, tags=tags)
        else:
            form = MergeTagsForm(tags=tags, initial={"keep": most_used.pk})
        if form.is_valid():
            keep = next(tag for tag in tags if tag.pk == form.cleaned_data["keep"])
            merged = [tag for tag in tags if tag != keep]
            names = ", ".join(tag.name for tag in merged)
            with transaction.atomic():
                self.log_deletions(request, merged)
                items = services.tags_merge(keep=keep, merged=merged)
                self.log_change(
                    request, keep, gettext("Merged into this tag: %(tags)s.") % {"tags": names}
                )
            done = ngettext(
                "%(count)d tag was merged into “%(tag)s”.",
                "%(count)d tags were merged into “%(tag)s”.",
                len(merged),
            ) % {"count": len(merged), "tag": keep.name}
            retagged = ngettext(
                "%(count)d item was retagged.", "%(count)d items were retagged.", items
            ) % {"count": items}
            self.message_user(request, f"{done} {retagged}", messages.SUCCESS)
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge tags"),
            "opts": self.opts,
            "tags": tags,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/taggit/tag/merge_confirmation.html", context)

    def get_deleted_objects(self, objs, request):
        """The tags, and how many items each is taken from: Django's page listed every use,
        with a query for each (1,005 queries for a tag on 1,000 initiatives). Deleting a tag
        takes it from its items; the items stay."""
        return _deleted_with_uses(
            self,
            request,
            list(objs),
            TaggedItem,
            "tag",
            lambda n: ngettext("Taken from %(n)d item", "Taken from %(n)d items", n) % {"n": n},
        )


# taggit has no Swedish: its names of a tag and its fields, from our catalogue.
TAGGIT_NAMES = [
    _("tag"),
    _("tags"),
    pgettext_lazy("A tag name", "name"),
    pgettext_lazy("A tag slug", "slug"),
]
