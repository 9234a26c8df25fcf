from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.admin_actions import GoalFilter, PublicStatusFilter, PublishableAdmin
from helsingborg_innovation.models import Partner
from initiatives.models import ImpactGoal, Initiative, Phase, PhaseChange
from initiatives.services import initiative_record_phase, phase_note_left_out


class ImpactGoalInline(admin.TabularInline):
    model = ImpactGoal
    extra = 0
    fields = ["description", "target", "result", "order"]


class PhaseChangeFormSet(forms.BaseInlineFormSet):
    """The timeline of a stopped initiative ends the day it stopped, its end date: an entry
    dated after it showed work on the public page on an initiative that had ended, and a stop
    dated after it said the initiative stopped after it had ended."""

    def clean(self):
        super().clean()
        # The initiative as sent in the form above: its phase and end date may change with it.
        initiative = self.instance
        if initiative.phase != Phase.STOPPED or initiative.end_date is None:
            return
        end = date_format(initiative.end_date, "j F Y")
        following = self._stop_following_the_end_date()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            date = form.cleaned_data.get("date")
            if date is None or date <= initiative.end_date:
                continue
            if form.cleaned_data.get("phase") != Phase.STOPPED:
                form.add_error(
                    "date",
                    _(
                        "This entry is after the initiative's end date, %(end)s, the day it "
                        "was stopped: the timeline would show work after it ended. Date it that "
                        "day or earlier, or delete it."
                    )
                    % {"end": end},
                )
            elif form.instance.pk not in following or "date" in form.changed_data:
                form.add_error(
                    "date",
                    _(
                        "The stop is dated after the initiative's end date, %(end)s, the day it "
                        "was stopped: its page would say it ended before it stopped. Date the "
                        "stop that day, or correct the end date."
                    )
                    % {"end": end},
                )

    def _stop_following_the_end_date(self) -> set:
        """The stored stops of a stopped initiative dated by its stored end date: saved with a
        corrected end date, they move to it (services._stop_day_corrected), so one left as it
        was beside an end date moved earlier is not after it."""
        stored = Initiative.objects.filter(pk=self.instance.pk).values_list("phase", "end_date")
        phase, end_date = stored.first() or (None, None)
        if phase != Phase.STOPPED or end_date is None:
            return set()
        return {
            form.instance.pk
            for form in self.initial_forms
            # As stored: the form's instance holds what was sent by now.
            if form.initial.get("phase") == Phase.STOPPED and form.initial.get("date") == end_date
        }


class PhaseChangeInline(admin.TabularInline):
    """The timeline. Changing the phase adds a row by itself, dated today (a stop by the end
    date), unless the rows here end in the new phase; here staff correct or add history."""

    model = PhaseChange
    formset = PhaseChangeFormSet
    extra = 0
    fields = ["date", "phase", "note"]


class InitiativeForm(forms.ModelForm):
    phase_note = forms.CharField(
        label=_("Note for the timeline"),
        required=False,
        max_length=500,
        help_text=_(
            "When the initiative is created or its phase changes, this note goes into its timeline."
        ),
    )

    class Meta:
        model = Initiative
        fields = ["phase"]  # the admin builds the full field list from its fieldsets

    def clean(self):
        cleaned_data = super().clean()
        # Before _post_clean the instance still holds the stored phase.
        unchanged = (
            not self.instance._state.adding and cleaned_data.get("phase") == self.instance.phase
        )
        if cleaned_data.get("phase_note", "").strip() and unchanged:
            self.add_error(
                "phase_note",
                _(
                    "The note goes into the timeline only when the phase changes. Change the "
                    "phase or leave the note empty."
                ),
            )
        # A stopped initiative's end date is the day it stopped: kept on a restart, the page
        # of an initiative running again said it had ended.
        restarted = (
            not self.instance._state.adding
            and self.instance.phase == Phase.STOPPED
            and cleaned_data.get("phase") not in (None, Phase.STOPPED)
        )
        end_date = cleaned_data.get("end_date")
        if restarted and end_date and end_date <= timezone.localdate():
            self.add_error(
                "end_date",
                _(
                    "The initiative is running again, so its end date must be in the future: "
                    "with this one, its page says it has ended. Clear the end date, or move it "
                    "to the day the initiative is now planned to end."
                ),
            )
        return cleaned_data


class HasLessonsFilter(admin.SimpleListFilter):
    title = _("lessons learned")
    parameter_name = "lessons"

    def lookups(self, request, model_admin):
        return [("yes", _("Written")), ("no", _("Missing"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.with_lessons()
        if self.value() == "no":
            return queryset.filter(Q(lessons_learned="") | Q(lessons_learned__isnull=True))
        return queryset


class PartnerKindFilter(admin.SimpleListFilter):
    title = _("partner kind")
    parameter_name = "partner_kind"

    def lookups(self, request, model_admin):
        return Partner.Kind.choices

    def queryset(self, request, queryset):
        # The initiatives with such a partner, each once: joined to its partners and made
        # DISTINCT, every row was compared whole (0.55-0.85 s with 100,000 initiatives).
        if self.value():
            linked = Initiative.partners.through.objects.filter(partner__kind=self.value())
            return queryset.filter(pk__in=linked.values("initiative"))
        return queryset


@admin.register(Initiative)
class InitiativeAdmin(PublishableAdmin):
    form = InitiativeForm
    list_display = [
        "title",
        "phase",
        "public_status",
        "owner_department",
        "start_date",
        "has_lessons",
        "publish_at",
    ]
    list_filter = [
        PublicStatusFilter,
        "status",
        "phase",
        "stop_reason",
        HasLessonsFilter,
        "owner_department",
        PartnerKindFilter,
        GoalFilter,
    ]
    list_select_related = ["owner_department"]
    # No counts beside the filters (Django's "Show counts"): a second a page, with 100,000.
    show_facets = admin.ShowFacets.NEVER
    autocomplete_fields = [
        "contact", "owner_department", "departments", "partners", "challenges", "methods", "goals",
    ]  # fmt: skip
    inlines = [ImpactGoalInline, PhaseChangeInline]
    fieldsets = [
        PublishableAdmin.content_fieldset,
        (
            _("Phase and outcome"),
            {
                "fields": [
                    "phase",
                    "phase_note",
                    "stop_reason",
                    "stop_explanation",
                    "lessons_learned",
                ],
                "description": _(
                    "A stopped initiative must say why it was stopped and what was learned, and "
                    "its end date is the day it was stopped."
                ),
            },
        ),
        (
            _("Who and what"),
            {
                "fields": [
                    "owner_department",
                    "departments",
                    "partners",
                    "challenges",
                    "methods",
                    "goals",
                    "start_date",
                    "end_date",
                ],
            },
        ),
        PublishableAdmin.publishing_fieldset,
    ]

    def get_fieldsets(self, request, obj=None):
        """Without the timeline note for those who only read: it is a field of the form, not
        of the initiative, and would show as "Phase note: None"."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "phase_note"]})
            for name, options in fieldsets
        ]

    @admin.display(description=_("lessons learned"), boolean=True)
    def has_lessons(self, obj):
        return bool(obj.lessons_learned.strip())

    def save_model(self, request, obj, form, change):
        stored = Initiative.objects.filter(pk=obj.pk).values_list("phase", "end_date")
        form.previous_phase, form.previous_end_date = (change and stored.first()) or (None, None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # After the timeline's rows: a change the editor entered there, on its own day, is
        # not added again as today's.
        super().save_related(request, form, formsets, change)
        note = form.cleaned_data.get("phase_note", "")
        entry = initiative_record_phase(
            initiative=form.instance,
            previous_phase=form.previous_phase,
            note=note,
            previous_end_date=form.previous_end_date,
        )
        if phase_note_left_out(entry, note):
            self.message_user(
                request,
                _(
                    "The note for the timeline did not fit after the note written in the "
                    "timeline, and was not saved: “%(note)s”. Shorten that note and add it there."
                )
                % {"note": note.strip()},
                messages.WARNING,
            )
