"""Publishing actions and columns shared by the admin of every kind of content."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, quote
from django.core.exceptions import ValidationError
from django.db import connection, models, router
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.forms import TagField
from taggit.managers import TaggableManager
from taggit.models import Tag

from helsingborg_innovation import search
from helsingborg_innovation.images import image_store
from helsingborg_innovation.models import GlobalGoal
from helsingborg_innovation.paging import FromEitherEndPaginator
from helsingborg_innovation.publishing import Status
from helsingborg_innovation.textsearch import clean_query
from helsingborg_innovation.uploads import image_help


def _message(status: str, count: int) -> str:
    # The msgids are spelled out so that makemessages finds them.
    if status == Status.PUBLISHED:
        text = ngettext("%(count)d item published.", "%(count)d items published.", count)
    elif status == Status.DRAFT:
        text = ngettext(
            "%(count)d item moved back to draft.", "%(count)d items moved back to draft.", count
        )
    else:
        text = ngettext("%(count)d item archived.", "%(count)d items archived.", count)
    return text % {"count": count}


def _set_status(modeladmin, request, queryset, status: str) -> None:
    """Move each selected item to a status; publishing runs the item's full validation first."""
    changed, scheduled, unchanged, refused = 0, 0, 0, []
    for obj in queryset:
        if obj.status == status:
            # Published already, but not public yet: the editor asked for it public now.
            if obj.is_scheduled:
                scheduled += 1
            else:
                unchanged += 1
            continue
        obj.status = status
        if status == Status.PUBLISHED:
            if obj.publish_at is None:
                obj.publish_at = timezone.now()
            # Taking an item offline is always allowed; putting it online only when it is
            # complete (a stopped initiative must say why and what was learned, for example).
            # Stored files were checked on upload and are not read again here.
            try:
                obj.full_clean(exclude=["image"], validate_unique=False)
            except ValidationError as error:
                refused.append(f"{obj}: {' '.join(error.messages)}")
                continue
        # A save per object, so the page cache sees every change.
        obj.save(update_fields=["status", "publish_at", "updated_at"])
        if obj.is_scheduled:
            scheduled += 1
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, _message(status, changed), messages.SUCCESS)
    # Told apart from those published: an editor told "published" of an item with a
    # publishing date ahead took it for public, and the public saw nothing.
    # And told how to publish one now: the action keeps the date the editor set, and clearing
    # the date alone, without its time, is refused.
    if scheduled:
        field = capfirst(modeladmin.model._meta.get_field("publish_at").verbose_name)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d item scheduled: it goes public on its publishing date. To publish it "
                "now, open it, empty both the date and the time of “%(field)s” and save.",
                "%(count)d items scheduled: they go public on their publishing dates. To "
                "publish one now, open it, empty both the date and the time of “%(field)s” and "
                "save.",
                scheduled,
            )
            % {"count": scheduled, "field": field},
            messages.SUCCESS,
        )
    if unchanged:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d item already had that status.",
                "%(count)d items already had that status.",
                unchanged,
            )
            % {"count": unchanged},
            messages.INFO,
        )
    for message in refused:
        modeladmin.message_user(
            request, _("Not changed: %(reason)s") % {"reason": message}, messages.ERROR
        )


@admin.action(description=_("Publish the selected items"), permissions=["change"])
def publish(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, Status.PUBLISHED)


@admin.action(description=_("Unpublish the selected items (back to draft)"), permissions=["change"])
def unpublish(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, Status.DRAFT)


@admin.action(description=_("Archive the selected items"), permissions=["change"])
def archive(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, Status.ARCHIVED)


class PublicStatusFilter(admin.SimpleListFilter):
    """What the public sees, which the stored status alone does not tell (scheduled items)."""

    title = _("public status")
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("scheduled", _("Scheduled")),
            ("published", _("Published")),
            ("archived", _("Archived")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "draft":
                return queryset.filter(status=Status.DRAFT)
            case "scheduled":
                return queryset.filter(status=Status.PUBLISHED, publish_at__gt=now)
            case "published":
                return queryset.filter(status=Status.PUBLISHED, publish_at__lte=now)
            case "archived":
                return queryset.filter(status=Status.ARCHIVED)
        return queryset


class GoalFilter(admin.SimpleListFilter):
    """The items serving a global goal, or none. Django's filter of the relation made every
    row DISTINCT (its whole text included) for the count, the page and the dates: 0.5-0.9 s
    with 100,000 initiatives. An item serves a goal once: nothing is to be made distinct."""

    title = _("global goals")
    parameter_name = "goal"

    def lookups(self, request, model_admin):
        goals = [(str(goal.pk), str(goal)) for goal in GlobalGoal.objects.all()]
        return [*goals, ("none", _("No global goal"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(goals__isnull=True)
        if self.value() in dict(self.lookup_choices):
            return queryset.filter(goals=self.value())
        return queryset


class TagsField(TagField):
    """An item's tags, each one the site can give a page of its own."""

    # A name may be 100 characters, but a new tag's address (its slug) is made from its
    # name, and one whose slug another tag has already gets "_1", "_2"... after it: a slug of
    # 99 or 100 characters became longer than the column, which PostgreSQL refused (500).
    # Ten characters are left for that.
    longest = Tag._meta.get_field("slug").max_length - 10

    def clean(self, value):
        names = super().clean(value)
        longest = self.longest
        for name in names:
            # A sentence typed without commas is one tag: PostgreSQL refused one this long
            # (500), and the editor lost the form.
            if len(name) > longest:
                raise ValidationError(
                    _(
                        "The tag “%(tag)s” is longer than %(max)d characters. Separate tags "
                        "with commas."
                    )
                    % {"tag": name, "max": longest},
                    code="tag_too_long",
                )
            # The tag's address is its slug: a tag of only signs ("#", "?", "—") got an empty
            # one, and every page that links the item's tags failed (500).
            if not Tag().slugify(name):
                raise ValidationError(
                    _("The tag “%(tag)s” needs at least one letter or digit.") % {"tag": name},
                    code="tag_without_slug",
                )
        return names


class DateAndMaybeTimeField(forms.SplitDateTimeField):
    """A date and a time, where a date alone means the start of that day. An editor who picked
    a publishing date in the calendar and left the time empty was told "Fyll i en giltig tid",
    and had to guess that the item could not be scheduled for a day."""

    def compress(self, data_list):
        if data_list and data_list[0] is not None and data_list[1] in self.empty_values:
            data_list = [data_list[0], datetime.time.min]
        return super().compress(data_list)


IMAGE_NOT_KEPT = _(
    "The image you chose was not saved, because the form has errors. Choose it again before "
    "you save."
)
FILE_NOT_KEPT = _(
    "The file you chose was not saved, because the form has errors. Choose it again before "
    "you save."
)


def _ask_again_for_files(form) -> None:
    """Say on each file field of a form sent back with errors that its file was not kept,
    unless the file itself was refused (that error says enough)."""
    for name, field in form.fields.items():
        if (
            isinstance(field, forms.FileField)
            and form.files.get(form.add_prefix(name))
            and name not in form.errors
        ):
            image = isinstance(field, forms.ImageField)
            form.add_error(name, IMAGE_NOT_KEPT if image else FILE_NOT_KEPT)


class PublishableAdmin(admin.ModelAdmin):
    """What every publishable kind of content shares in the admin."""

    paginator = FromEitherEndPaginator

    actions = [publish, unpublish, archive]
    prepopulated_fields = {"slug": ("title",)}
    search_fields = ["title", "summary", "slug"]
    date_hierarchy = "publish_at"
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    show_full_result_count = False
    save_on_top = True
    formfield_overrides = {
        TaggableManager: {"form_class": TagsField},
        models.DateTimeField: {"form_class": DateAndMaybeTimeField},
    }
    content_fieldset = (
        None,
        {"fields": ["title", "slug", "summary", "body", "image", "image_alt"]},
    )
    publishing_fieldset = (
        _("Publishing"),
        {
            "fields": ["status", "publish_at", "contact", "tags", "created_at", "updated_at"],
            "description": _(
                "Drafts are seen only by staff: use “View on site” to preview. A publishing "
                "date in the future schedules the item."
            ),
        },
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "image":
            kwargs["help_text"] = image_help()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_deleted_objects(self, objs, request):
        """What deleting the items deletes, said plainly: the items and what belongs to them
        alone (a method's attachments). The rows that merely link them to other content (an
        initiative's partners, the methods it used, goals, tags) are not listed: that content
        stays, and the page says so (delete_confirmation.html of each kind). Django listed a
        line such as "Initiative-method relation: Initiative_methods object (17)" for each,
        and turned each tagged item into text with a query for its item and one for its tag.
        Otherwise as Django's get_deleted_objects: a link to each item, and the permissions
        to delete it."""
        opts = self.model._meta
        links = tuple(
            [field.remote_field.through for field in opts.many_to_many]
            + [rel.through for rel in opts.related_objects if rel.many_to_many]
        )
        collector = NestedObjects(using=router.db_for_write(self.model), origin=objs)
        collector.collect(objs)
        perms_needed = set()

        def described(obj):
            if isinstance(obj, links):
                return None
            item = obj._meta
            label = capfirst(item.verbose_name)
            model_admin = self.admin_site._registry.get(type(obj))
            if model_admin is None:
                return f"{label}: {obj}"
            if not model_admin.has_delete_permission(request, obj):
                perms_needed.add(item.verbose_name)
            try:
                url = reverse(
                    f"{self.admin_site.name}:{item.app_label}_{item.model_name}_change",
                    args=[quote(obj.pk)],
                )
            except NoReverseMatch:
                return f"{label}: {obj}"
            return format_html('{}: <a href="{}">{}</a>', label, url, str(obj))

        def without_links(items: list) -> list:
            kept = []
            for item in items:
                if isinstance(item, list):
                    if nested := without_links(item):
                        kept.append(nested)
                elif item is not None:
                    kept.append(item)
            return kept

        deleted = without_links(collector.nested(described))
        protected = [described(obj) for obj in collector.protected]
        counts = {
            model._meta.verbose_name_plural: len(items)
            for model, items in collector.model_objs.items()
            if not issubclass(model, links)
        }
        return deleted, counts, perms_needed, protected

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL: the items whose words match as on the search page (the stored search
        vector), or whose slug is the term. Substring matching read every row for each search
        (a second with 100,000 initiatives)."""
        term = clean_query(search_term)
        if not term or connection.vendor != "postgresql":
            return super().get_search_results(request, queryset, search_term)
        found = search.admin_filter(queryset, term, ["title", "summary"], Q(slug=term.lower()))
        return found, False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """A form sent back with errors (its own or its inlines') asks for each chosen file
        again: a browser never fills a file field in, so an editor who had forgotten the
        image's text, added it and saved again lost the image without a word (and a
        method's new attachment was refused as missing on the second save)."""
        if request.method == "POST":
            sent = [context["adminform"].form]
            for inline in context["inline_admin_formsets"]:
                sent += inline.formset.forms
            for form in sent:
                _ask_again_for_files(form)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # An explicit step rather than a side effect of Model.save(): see images.py.
        if "image" in form.changed_data and obj.image:
            image_store(image=obj.image)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("public status"), ordering="status")
    def public_status(self, obj):
        if obj.is_scheduled:
            return _("Scheduled from %(date)s") % {
                "date": timezone.localtime(obj.publish_at).strftime("%Y-%m-%d %H:%M")
            }
        return obj.get_status_display()
