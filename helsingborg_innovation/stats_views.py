"""The public impact dashboard: the portfolio and participation in figures and charts."""

import functools
from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contributions.models import DeclineReason, SubmitterKind
from helsingborg_innovation import statistics
from helsingborg_innovation.charts import Chart, Row, Series
from helsingborg_innovation.models import Partner
from helsingborg_innovation.publishing import slug_url
from initiatives.models import Phase, StopReason


class YearForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose a year from the list. The figures below are for all years."
            )
        },
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(y, y) for y in years]


def portfolio_charts(figures: statistics.Portfolio, year: int | None = None) -> dict[str, Chart]:
    phase_labels = dict(Phase.choices)
    funnel_rows = [Row(str(phase_labels[p]), [figures.phases[p]]) for p in statistics.FUNNEL]
    funnel_rows.append(Row(str(phase_labels[Phase.STOPPED]), [figures.stopped], apart=True))
    outcomes = [
        Row(_("Still in progress"), [figures.in_progress]),
        Row(_("In operation"), [figures.in_operation]),
        Row(_("Stopped"), [figures.stopped]),
    ]
    reasons = [
        Row(str(label), [figures.stop_reasons[value]])
        for value, label in StopReason.choices
        if figures.stop_reasons[value]
    ]
    # Each department's initiatives as counted: those of the chosen year, by the same rule.
    initiatives = reverse("initiatives:list")
    in_year = "" if year is None else f"&year={year}"
    departments = [
        Row(
            d["name"],
            [d["owned"], d["taking_part"]],
            href=f"{initiatives}?department={d['slug']}{in_year}",
        )
        for d in figures.departments
    ]
    partners = [
        Row(str(label), [figures.partner_kinds[value]]) for value, label in Partner.Kind.choices
    ]
    return {
        "phases": Chart(
            id="chart-phases",
            title=_("Initiatives by phase"),
            description=_(
                "A funnel from idea to operation; stopped initiatives are shown apart, below."
            ),
            label_heading=_("Phase"),
            rows=funnel_rows,
            centred=True,
        ),
        "outcomes": Chart(
            id="chart-outcomes",
            title=_("Outcomes"),
            description=_("Initiatives still in progress, in operation and stopped."),
            label_heading=_("Outcome"),
            rows=outcomes,
        ),
        "stop_reasons": Chart(
            id="chart-stop-reasons",
            title=_("Why initiatives were stopped"),
            description=_("Stopped initiatives by their reason for stopping."),
            label_heading=_("Reason for stopping"),
            rows=reasons,
        ),
        "departments": Chart(
            id="chart-departments",
            title=_("Initiatives per department"),
            description=_(
                "For each department, the initiatives it owns and those of others it takes part in."
            ),
            label_heading=_("Department"),
            rows=departments,
            labels_are_content=True,
            series=[Series("owned", _("Owns")), Series("taking_part", _("Takes part"))],
        ),
        "partners": Chart(
            id="chart-partners",
            title=_("External partners by kind"),
            description=_("Organisations outside the city taking part, by kind."),
            label_heading=_("Kind of partner"),
            rows=partners,
        ),
    }


@functools.lru_cache(maxsize=1024)
def _month_name(month: date, language: str) -> str:
    """A month as the language writes it ("March 2026"): the same each time it is asked."""
    with translation.override(language):
        return date_format(month, "YEAR_MONTH_FORMAT")


def participation_charts(figures: statistics.Participation) -> dict[str, Chart]:
    kinds = SubmitterKind.choices
    language = get_language()
    this_month = timezone.localdate().replace(day=1)
    months = [
        Row(_month_name(m["month"], language), [m["counts"][k] for k, _l in kinds])
        for m in figures.months
    ]
    if figures.months and figures.months[-1]["month"] == this_month:
        # Its few ideas so far are not a fall.
        months[-1].label = _("%(month)s (so far)") % {"month": months[-1].label}
    outcomes = [
        Row(_("Published"), [figures.published]),
        Row(_("Declined"), [figures.declined]),
        Row(_("Waiting for moderation"), [figures.pending]),
        Row(_("Spam"), [figures.spam]),
    ]
    reasons = [
        Row(str(label), [figures.decline_reasons[value]])
        for value, label in DeclineReason.choices
        if figures.decline_reasons[value]
    ]
    top = [
        Row(c["title"], [c["ideas"]], href=slug_url("challenges:detail", c["slug"]))
        for c in figures.top_challenges
    ]
    return {
        "months": Chart(
            id="chart-ideas-per-month",
            title=_("Ideas received per month"),
            description=_("Ideas received each month, by who sent them."),
            label_heading=_("Month"),
            rows=months,
            series=[Series(value, str(label)) for value, label in kinds],
        ),
        "moderation": Chart(
            id="chart-moderation",
            title=_("Moderation outcomes"),
            description=_("What became of the ideas received."),
            label_heading=_("Outcome"),
            rows=outcomes,
        ),
        "decline_reasons": Chart(
            id="chart-decline-reasons",
            title=_("Why ideas were declined"),
            description=_("Declined ideas by the reason the moderator gave."),
            label_heading=_("Reason for declining"),
            rows=reasons,
        ),
        "top_challenges": Chart(
            id="chart-top-challenges",
            title=_("Challenges with the most ideas"),
            description=_("The challenges that received the most ideas."),
            label_heading=_("Challenge"),
            rows=top,
            labels_are_content=True,
        ),
    }


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Key figures and charts for all time or one year. A fixed number of queries (twelve),
    none while the figures are in the cache."""
    years = statistics.dashboard_years()
    form = YearForm(request.GET or None, years=years)
    year = form.cleaned_data["year"] if form.is_valid() else None
    portfolio = statistics.remembered(
        "portfolio", lambda: statistics.portfolio(year), year, kinds=statistics.PORTFOLIO_COUNTS
    )
    participation = statistics.remembered(
        "participation",
        lambda: statistics.participation(year),
        year,
        kinds=statistics.PARTICIPATION_COUNTS,
    )
    decisions = statistics.remembered(
        "decisions", lambda: statistics.decisions(year), year, kinds=statistics.DECISION_COUNTS
    )
    context = {
        "form": form,
        "year": year,
        # The figures of a year are a page of their own, titled with it, as those of all years
        # are (which a year not among them shows): its address (seo.page_addresses).
        "page_query": f"?year={year}" if year is not None else "",
        "portfolio": portfolio,
        "participation": participation,
        "decisions": decisions,
        "lessons_share": statistics.share(portfolio.stopped_with_lessons, portfolio.stopped),
        "multi_share": statistics.share(portfolio.multi_department, portfolio.total),
        "partner_share": statistics.share(portfolio.with_partners, portfolio.total),
        "published_share": statistics.share(
            participation.published, participation.published + participation.declined
        ),
        "charts": {**portfolio_charts(portfolio, year), **participation_charts(participation)},
        "without_ideas": [
            {"title": c["title"], "url": slug_url("challenges:detail", c["slug"])}
            for c in participation.without_ideas
        ],
    }
    return render(request, "statistics/dashboard.html", context)
