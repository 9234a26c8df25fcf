import copy
import hashlib
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from challenges.models import Challenge
from contributions import reviewing, services
from contributions.models import (
    MODERATION_ORDER,
    Contribution,
    ContributionStatus,
    DeclineReason,
    QueuedMail,
    SubmitterKind,
    reference_in,
)
from helsingborg_innovation import search
from helsingborg_innovation.paging import FromEitherEndPaginator
from helsingborg_innovation.publishing import choice_label
from helsingborg_innovation.textsearch import clean_query

# The first choice of each select of a reason for declining: words, where Django writes
# "---------", which a screen reader reads as dashes and which says nothing of what to choose.
DECLINE_REASON_CHOICES = [("", _("Choose a reason (only when declining)")), *DeclineReason.choices]


class ModerationActionForm(helpers.ActionForm):
    """The admin's action bar, with the reason a bulk decline needs."""

    decline_reason = forms.ChoiceField(
        label=_("Reason for declining"), choices=DECLINE_REASON_CHOICES, required=False
    )
    # When the list was opened: the ideas someone else decided since are left as they are.
    listed_at = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        label="",
        initial=lambda: timezone.now().isoformat(),
    )


class DeclineReasonForm(forms.Form):
    """The reason for declining the ideas chosen in the list, asked on a page of its own when
    the action bar's was left unchosen (ContributionAdmin.decline)."""

    decline_reason = forms.ChoiceField(
        label=_("Reason for declining"),
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason for declining.")},
    )


# Sent back by the page that asks for the reason for declining: its form is then checked.
REASON_ASKED = "_reason_asked"


# The largest id a database holds (a signed 64-bit integer).
BIGGEST_ID = 2**63 - 1


class ChallengeFilter(admin.SimpleListFilter):
    """The ideas of one challenge. The sidebar lists the most recently published challenges,
    those of the ideas first in the queue, and the one chosen: with thousands of challenges a
    link to each would be a page of its own (and a second the queue would wait for). Any
    challenge can be chosen by its id."""

    title = _("challenge")
    parameter_name = "challenge"
    listed = 20
    # The waiting ideas whose challenges are listed: the first of the queue's index.
    waiting_read = 200

    def _chosen(self) -> int | None:
        """The challenge's id, or None for a value that can be no id: str.isdigit() is true
        for "²", which int() refuses, and a number past the database's integers made it fail."""
        value = self.value() or ""
        if not (value.isascii() and value.isdigit()) or int(value) > BIGGEST_ID:
            return None
        return int(value)

    def lookups(self, request, model_admin):
        challenges = Challenge.objects.order_by("-publish_at", "-pk")
        waiting = Contribution.objects.pending().order_by(*MODERATION_ORDER)
        first_waiting = waiting.values_list("challenge_id", flat=True)[: self.waiting_read]
        listed = Q(pk__in=challenges.values("pk")[: self.listed])
        # An older challenge still receiving ideas, which a moderator needs most.
        listed |= Q(pk__in=list(dict.fromkeys(first_waiting))[: self.listed])
        if self._chosen() is not None:
            listed |= Q(pk=self._chosen())
        shown = Challenge.objects.filter(listed).only("pk", "title").order_by("title", "pk")
        return [(str(challenge.pk), challenge.title) for challenge in shown]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(challenge_id=self._chosen())


class EraseForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Every idea sent from this address loses its name, e-mail and organisation."),
    )


# The button under an idea that saves the decision and opens the next idea waiting.
SAVE_AND_NEXT = "_savenext"

# The shortest term a trigram index can look up; a shorter one would read every idea's name.
TRIGRAM = 3

# A search of the ideas counts this many matches at most. The queue shows the pending ones
# first; a moderator whose search finds more narrows it rather than paging through thousands,
# and counting every match of a common word took half of the page's time.
SEARCH_COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    """A paginator that counts at most SEARCH_COUNT_CAP rows; `capped` says there were more.
    Its pages are read from the start (never from the end, as FromEitherEndPaginator reads
    the last ones): a count cut short does not say where the end is."""

    capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: SEARCH_COUNT_CAP + 1].count()
        self.capped = counted > SEARCH_COUNT_CAP
        return min(counted, SEARCH_COUNT_CAP)


def choice_column(name: str, choices):
    """A list column showing the label of an idea's choice field, sortable by the field."""

    @admin.display(description=Contribution._meta.get_field(name).verbose_name, ordering=name)
    def column(model_admin, contribution: Contribution) -> str:
        label = choice_label(choices, getattr(contribution, name))
        return label or model_admin.get_empty_value_display()

    return column


def yes_no_column(name: str):
    """An idea's yes-or-no field shown as a word: the admin's tick and cross are images whose
    text is "True" or "False" in every language, which a screen reader reads out."""

    @admin.display(description=Contribution._meta.get_field(name).verbose_name)
    def column(model_admin, contribution: Contribution) -> str:
        return _("Yes") if getattr(contribution, name) else _("No")

    return column


# What the sender gave, as the idea's page shows it: read only.
SENDER_FIELDS = ["name", "email", "organisation", "kind", "show_name_answer", "consent_answer"]

# What a moderator decides on an idea's page: a save is refused when any of these changed
# after the page was opened.
DECIDED_FIELDS = ("status", "decline_reason", "internal_note", "public_answer", "initiative_id")


def _decision_digest(idea: Contribution) -> str:
    values = json.dumps([getattr(idea, name) for name in DECIDED_FIELDS], default=str)
    return hashlib.sha256(values.encode()).hexdigest()[:32]


class ModerationForm(forms.ModelForm):
    """The form of an idea, carrying what the moderator saw of it (`seen`). Two moderators
    with the same idea open: the one who saved second undid the first one's decision without
    knowing (a published idea went back to the queue). That save is now refused with the idea
    as it is now; saved again, knowingly, it counts."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False, label="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen"].initial = _decision_digest(self.instance)

    def clean(self):
        cleaned = super().clean()
        # The instance is the idea as it is now: the form's values go onto it after clean.
        # A declined idea decided otherwise, its reason left chosen as the page showed it:
        # that reason goes with the old decision. Refused ("goes only with a declined idea"),
        # it cost the moderator a second save to publish an idea declined by mistake.
        if (
            cleaned.get("status") != ContributionStatus.DECLINED
            and self.instance.decline_reason
            and cleaned.get("decline_reason") == self.instance.decline_reason
        ):
            cleaned["decline_reason"] = ""
        seen, now = cleaned.get("seen"), self.fields["seen"].initial
        if seen and now and seen != now:
            self.data = self.data.copy()
            self.data["seen"] = now  # the page shown now is the one the next save is checked on
            raise forms.ValidationError(
                _(
                    "Someone else changed this idea while you had it open. It is now "
                    "“%(status)s”, and what you changed has not been saved. Compare your "
                    "changes below with the idea as it is now, and save again to keep them."
                ),
                code="changed",
                params={"status": self.instance.get_status_display()},
            )
        return cleaned


def _listed_at(request: HttpRequest):
    """When the moderator opened the list the action was run from (ModerationActionForm), or
    None when it is not known."""
    try:
        value = parse_datetime(request.POST.get("listed_at", ""))
    except ValueError:
        return None
    return value if value is not None and timezone.is_aware(value) else None


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    """The moderators' queue: pending ideas first, oldest first."""

    form = ModerationForm

    list_display = [
        "reference",
        "title",
        "challenge",
        "kind_label",
        "status_label",
        "decline_reason_label",
        "created_at",
        "decided_by",
    ]
    list_display_links = ["reference", "title"]
    # Fifty ideas a page, enough for a bulk decision on what a moderator has read: a hundred
    # rows, each with its links, checkbox and labels, took most of a page's time.
    list_per_page = 50
    paginator = FromEitherEndPaginator
    # Received today, in the past 7 days, this month or this year. (A date_hierarchy would read
    # the date of every idea on every page of the queue: a third of a second with 500,000.)
    list_filter = [
        "status",
        "kind",
        ChallengeFilter,
        "decline_reason",
        "language",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["challenge", "decided_by"]
    search_fields = ["reference", "title", "text", "name", "email", "organisation"]
    # One count of the ideas shown, not a second of all of them (half a million), and no
    # counts beside the filters (Django's "Show counts": 1.7 s a page).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    action_form = ModerationActionForm
    actions = ["publish", "decline", "mark_spam", "erase_personal_data"]
    raw_id_fields = ["initiative"]
    change_list_template = "admin/contributions/contribution/change_list.html"
    readonly_fields = [
        "reference",
        "challenge",
        "title",
        "text",
        *SENDER_FIELDS,
        "created_at",
        "language",
        "decided_by",
        "decided_at",
        "mailed_decision",
        "anonymised_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "challenge", "created_at", "language", "title", "text"]}),
        (
            _("Sender (never shown in public, except the name where allowed)"),
            {"fields": SENDER_FIELDS},
        ),
        (
            _("Decision"),
            {
                "description": _(
                    "The sender is told by e-mail, in the language they wrote in, when the "
                    "idea is published or declined, when it gets its first answer, and each "
                    "time the answer or the reason for declining is changed (more than its "
                    "spacing): not when it is marked as spam, and not again for the same "
                    "decision."
                ),
                "fields": [
                    "status",
                    "decline_reason",
                    "internal_note",
                    "public_answer",
                    "initiative",
                    "decided_by",
                    "decided_at",
                    "mailed_decision",
                    "anonymised_at",
                    "seen",
                ],
            },
        ),
    ]

    def get_ordering(self, request):
        """The queue's order; with one status chosen (a reason for declining chooses one too),
        the same order without "pending first", which then orders nothing: PostgreSQL read the
        queue's index through every waiting idea before the first published one (0.9 s with
        150,000 waiting), where the index of the time of sending finds it at once."""
        if request.GET.get("status__exact") or request.GET.get("decline_reason__exact"):
            return ["created_at", "pk"]
        if sort := request.GET.get(ORDER_VAR):
            # Sorted by a column: ideas of equal value by their time of sending, in the same
            # direction, which each column's index serves read either way (Meta.indexes).
            # After "pending first", half a million ideas were read and sorted for each page
            # (0.37-0.70 s).
            if sort.startswith("-"):
                return ["-created_at", "-pk"]
            return ["created_at", "pk"]
        return MODERATION_ORDER

    def get_object(self, request, object_id, from_field=None):
        """The idea; for a save, locked until the save's transaction ends. Two saves of the
        same idea at once: the second waits for the first, then is checked against it
        (ModerationForm), instead of both being checked against the idea before either."""
        idea = super().get_object(request, object_id, from_field)
        if idea is not None and request.method == "POST":
            idea = Contribution.objects.select_for_update().get(pk=idea.pk)
        return idea

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "decline_reason":
            kwargs["choices"] = DECLINE_REASON_CHOICES
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = CappedCountPaginator if request.GET.get(SEARCH_VAR) else self.paginator
        return paginator(queryset, per_page, orphans, allow_empty_first_page)

    # The labels of choices, from their enums: the admin's own lookup builds a dictionary of
    # every choice for each cell, a tenth of the time of a page of a hundred ideas.
    kind_label = choice_column("kind", SubmitterKind)
    status_label = choice_column("status", ContributionStatus)
    decline_reason_label = choice_column("decline_reason", DeclineReason)
    show_name_answer = yes_no_column("show_name")
    consent_answer = yes_no_column("consent")

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL: the ideas whose title and text match the words (as on the search
        page), whose reference (as a sender reads it out: "7K3M9Q") or sender's e-mail address
        is the term, or whose sender's name or organisation holds it (a trigram index each,
        from three characters). Substring matching of six columns without indexes read all
        500,000 ideas for each search (seven seconds)."""
        term = clean_query(search_term)
        if not term or connection.vendor != "postgresql":
            return super().get_search_results(request, queryset, search_term)
        also = Q(email__iexact=term)
        if reference := reference_in(term):
            also |= Q(reference=reference)
        if len(term) >= TRIGRAM:
            also |= Q(name__icontains=term) | Q(organisation__icontains=term)
        return search.admin_filter(queryset, term, ["title", "text"], also), False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Spam and declined ideas are kept as records; personal data goes by erasure.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        services.contribution_record_moderation(
            contribution=obj, by=request.user, changed=form.changed_data
        )
        if obj.status == ContributionStatus.PUBLISHED and not obj.challenge.is_public:
            message = _(
                "The idea %(reference)s is published, but its challenge “%(challenge)s” is not "
                "public: the idea is shown nowhere until the challenge is published again."
            )
            params = {"reference": obj.reference, "challenge": obj.challenge.title}
            self.message_user(request, message % params, messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """An idea opened is noted as this moderator's (reviewing.py); one another moderator
        has open says who, so that the two do not decide it twice."""
        if request.method == "GET" and object_id.isdigit() and self.has_change_permission(request):
            holder = reviewing.opened(int(object_id), request.user)
            if holder is not None:
                self.message_user(
                    request,
                    _("%(name)s has this idea open and may be deciding it now.")
                    % {"name": holder[1]},
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        """The idea saved is free for the other moderators again. After "Save and review the
        next": the oldest idea still waiting in the list the moderator came from (its filters
        and search), or that list when none is left."""
        reviewing.closed(obj.pk, request.user)
        if SAVE_AND_NEXT not in request.POST:
            return super().response_change(request, obj)
        filters = self._list_filters(request)
        following = self._next_waiting(filters, request, obj)
        if following is None:
            message = _("The idea %(reference)s was saved. No more ideas are waiting in this list.")
            url = reverse("admin:contributions_contribution_changelist")
        else:
            message = _("The idea %(reference)s was saved. Here is the next idea waiting.")
            url = reverse("admin:contributions_contribution_change", args=[following])
        self.message_user(request, message % {"reference": obj.reference}, messages.SUCCESS)
        preserved = urlencode({"_changelist_filters": filters.urlencode()}) if filters else ""
        context = {"preserved_filters": preserved, "opts": self.opts}
        return HttpResponseRedirect(add_preserved_filters(context, url))

    @staticmethod
    def _list_filters(request: HttpRequest) -> QueryDict:
        """The filters, search and order of the list the moderator came from, without its
        page. Deciding ideas takes them off a list of waiting ones, and a page past the list's
        new end is refused (IncorrectLookupParameters): the next idea was then the whole
        queue's, of any challenge, and the list came back without its filters."""
        filters = QueryDict(request.GET.get("_changelist_filters", ""), mutable=True)
        filters.pop(PAGE_VAR, None)
        return filters

    def _next_waiting(self, filters: QueryDict, request, obj) -> int | None:
        """The id of the first pending idea other than `obj` in the moderation order, among
        those the changelist shows with `filters`, that no other moderator has open (see
        reviewing.py); the first of them when the others have all those next open."""
        listing = copy.copy(request)
        listing.GET = filters
        try:
            ideas = self.get_changelist_instance(listing).get_queryset(listing)
        except IncorrectLookupParameters:
            ideas = self.get_queryset(request)
        waiting = ideas.pending().exclude(pk=obj.pk).order_by(*MODERATION_ORDER)
        following = list(waiting.values_list("pk", flat=True)[: reviewing.LOOK_AHEAD])
        taken = reviewing.open_elsewhere(following, request.user)
        free = [pk for pk in following if pk not in taken]
        return (free or following or [None])[0]

    def _each(
        self, request, queryset: QuerySet, decide, message, *, status: str, reason: str = ""
    ) -> None:
        """Decide the selected ideas (`status`, with `reason` for declining) in one call of
        `decide` (each sender's e-mail is queued with the others'); `message` is an
        ngettext_lazy keyed on "count". An idea someone else decided after the moderator
        opened the list is left as it is: two moderators clearing the same queue would
        otherwise undo each other's decisions. An idea that already has this decision is
        left as it is too, and counted apart; and so is one that arrived after the list was
        opened, which "select all" of the list would decide unread."""
        listed_at = _listed_at(request)
        chosen, skipped, already, arrived = [], [], 0, 0
        with transaction.atomic():
            # Lock only the ideas themselves: PostgreSQL cannot lock the nullable side of the
            # outer joins that the changelist's select_related adds.
            for contribution in queryset.select_for_update(of=("self",)):
                if (contribution.status, contribution.decline_reason) == (status, reason):
                    already += 1
                    continue
                if listed_at and contribution.created_at > listed_at:
                    arrived += 1
                    continue
                if (
                    listed_at
                    and contribution.decided_at
                    and contribution.decided_at > listed_at
                    and contribution.decided_by_id != request.user.pk
                ):
                    skipped.append(contribution.reference)
                    continue
                chosen.append(contribution)
            decide(chosen)
        count = len(chosen)
        if count or not already:
            self.message_user(request, message % {"count": count}, messages.SUCCESS)
        if already:
            self.message_user(
                request,
                ngettext(
                    "%(count)d idea already had that decision and was left as it was.",
                    "%(count)d ideas already had that decision and were left as they were.",
                    already,
                )
                % {"count": already},
                messages.INFO,
            )
        if arrived:
            self.message_user(
                request,
                ngettext(
                    "%(count)d idea was left waiting: it arrived after you opened the list.",
                    "%(count)d ideas were left waiting: they arrived after you opened the list.",
                    arrived,
                )
                % {"count": arrived},
                messages.WARNING,
            )
        if skipped:
            left = ngettext(
                "%(count)d idea was left as it was: someone else decided it after you opened "
                "the list (%(references)s).",
                "%(count)d ideas were left as they were: someone else decided them after you "
                "opened the list (%(references)s).",
                len(skipped),
            )
            references = ", ".join(sorted(skipped))
            self.message_user(
                request, left % {"count": len(skipped), "references": references}, messages.WARNING
            )

    @admin.action(description=_("Publish the selected ideas"), permissions=["change"])
    def publish(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ideas: services.contributions_publish(contributions=ideas, by=request.user),
            ngettext_lazy("Published %(count)d idea.", "Published %(count)d ideas.", "count"),
            status=ContributionStatus.PUBLISHED,
        )
        # Published against a challenge taken down (archived, back to draft), an idea is on no
        # public page: the moderator would believe it was out.
        hidden = sorted(
            queryset.published()
            .filter(challenge__in=Challenge.objects.unpublished().values("pk"))
            .values_list("reference", flat=True)
        )
        if hidden:
            message = ngettext(
                "%(count)d idea is published, but its challenge is not public: it is shown "
                "nowhere until the challenge is published again (%(references)s).",
                "%(count)d ideas are published, but their challenges are not public: they are "
                "shown nowhere until the challenges are published again (%(references)s).",
                len(hidden),
            )
            params = {"count": len(hidden), "references": ", ".join(hidden)}
            self.message_user(request, message % params, messages.WARNING)

    @admin.action(
        description=_("Decline the selected ideas (choose the reason)"), permissions=["change"]
    )
    def decline(self, request, queryset):
        reason = request.POST.get("decline_reason", "")
        if reason not in DeclineReason.values:
            return self._ask_reason(request, queryset)
        self._each(
            request,
            queryset,
            lambda ideas: services.contributions_decline(
                contributions=ideas, by=request.user, reason=reason
            ),
            ngettext_lazy("Declined %(count)d idea.", "Declined %(count)d ideas.", "count"),
            status=ContributionStatus.DECLINED,
            reason=reason,
        )

    def _ask_reason(self, request, queryset) -> TemplateResponse:
        """A page that asks for the reason for declining, with the ideas chosen, the time the
        list was opened and the list's own address kept: sent back to the list with an error,
        the moderator had to tick every idea again."""
        form = DeclineReasonForm(request.POST if REASON_ASKED in request.POST else None)
        count = queryset.count()
        ideas = queryset.order_by(*MODERATION_ORDER).values_list("reference", "title")
        shown = list(ideas[: self.list_per_page])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Decline ideas"),
            "form": form,
            "count": count,
            "ideas": shown,
            "more": count - len(shown),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "listed_at": request.POST.get("listed_at", ""),
            "reason_asked": REASON_ASKED,
            "back": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/contributions/contribution/decline.html", context)

    @admin.action(description=_("Mark the selected ideas as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ideas: services.contributions_mark_spam(contributions=ideas, by=request.user),
            ngettext_lazy(
                "Marked %(count)d idea as spam.", "Marked %(count)d ideas as spam.", "count"
            ),
            status=ContributionStatus.SPAM,
        )

    @admin.action(
        description=_("Erase personal data of this person (the sender of the selected idea)"),
        permissions=["change"],
    )
    def erase_personal_data(self, request, queryset):
        senders = {
            email.lower(): pk for pk, email in queryset.exclude(email="").values_list("pk", "email")
        }
        if len(senders) != 1:
            self.message_user(
                request,
                _("Select ideas from one sender (with an e-mail address) to erase their data."),
                messages.ERROR,
            )
            return None
        # The form is filled in from one of the ideas: an address in the page's own address
        # went into the browser's history and the logs of the web server in front.
        url = reverse("admin:contributions_contribution_erase")
        return HttpResponseRedirect(f"{url}?{urlencode({'idea': senders.popitem()[1]})}")

    def get_urls(self):
        erase = self.admin_site.admin_view(self.erase_view)
        return [
            path("erase-personal-data/", erase, name="contributions_contribution_erase"),
            *super().get_urls(),
        ]

    @staticmethod
    def _sender_of(idea: str) -> str:
        """The e-mail address of the idea with this number ("" for none)."""
        if not (idea.isascii() and idea.isdigit()) or int(idea) > BIGGEST_ID:
            return ""
        found = Contribution.objects.filter(pk=int(idea)).values_list("email", flat=True)
        return found.first() or ""

    def erase_view(self, request: HttpRequest):
        """Erase one person's personal data on request, by e-mail address."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = EraseForm(request.POST)
            if form.is_valid():
                count = services.contribution_erase_personal_data(email=form.cleaned_data["email"])
                self.message_user(
                    request,
                    ngettext(
                        "Personal data erased from %(count)d idea.",
                        "Personal data erased from %(count)d ideas.",
                        count,
                    )
                    % {"count": count},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:contributions_contribution_changelist"))
        else:
            form = EraseForm(initial={"email": self._sender_of(request.GET.get("idea", ""))})
        # The ideas of the address the page was opened with; not of one typed and refused,
        # which is no address (and a NUL character in it was a 500 on PostgreSQL).
        email = "" if form.is_bound else (form["email"].value() or "")
        matching = (
            Contribution.objects.filter(email__iexact=email.strip()).count() if email else None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Erase personal data of one person"),
            "form": form,
            "matching": matching,
        }
        return TemplateResponse(request, "admin/contributions/contribution/erase.html", context)


@admin.register(QueuedMail)
class QueuedMailAdmin(admin.ModelAdmin):
    """E-mails about ideas the mail server has not accepted yet: for whoever runs the site to
    see that mail is stuck and why. Read only; the addresses and texts are not shown."""

    list_display = ["reference", "subject", "created_at", "attempts", "send_after", "last_error"]
    list_select_related = ["contribution"]
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("idea"), ordering="contribution__reference")
    def reference(self, mail: QueuedMail) -> str:
        return mail.contribution.reference

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
