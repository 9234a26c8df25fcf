import datetime

from django.utils import timezone

from initiatives.models import Initiative, Phase, PhaseChange


def initiative_record_phase(
    *,
    initiative: Initiative,
    previous_phase: str | None,
    note: str = "",
    previous_end_date: datetime.date | None = None,
) -> PhaseChange | None:
    """Add a timeline entry when an initiative is created or its phase changes, unless the
    timeline ends in that phase already (the change was entered there with its own day): the
    note then goes to that entry, after the note the editor wrote there if it has one and
    both fit (see `phase_note_left_out`).

    previous_phase is the phase stored before the change, None for a new initiative. A stop
    is dated by the initiative's end date, the day it was stopped, when that has come; when
    that day is corrected (previous_end_date is the one stored before), the stop's entry
    moves with it.
    """
    if previous_phase == initiative.phase:
        _stop_day_corrected(initiative, previous_end_date)
        return None
    note = note.strip()
    last = initiative.timeline.order_by("-date", "-pk").first()
    if last is not None and last.phase == initiative.phase:
        if note and note not in last.note:
            # The editor wrote a note in both places: the one beside the phase was dropped.
            joined = f"{last.note} {note}" if last.note else note
            if len(joined) <= PhaseChange._meta.get_field("note").max_length:
                last.note = joined
                last.save(update_fields=["note"])
        return last
    today = timezone.localdate()
    stopped_on = initiative.end_date if initiative.phase == Phase.STOPPED else None
    return PhaseChange.objects.create(
        initiative=initiative,
        # Dated today, a stop entered later contradicted the end date beside it on the page.
        date=stopped_on if stopped_on and stopped_on <= today else today,
        phase=initiative.phase,
        note=note,
    )


def phase_note_left_out(entry: PhaseChange | None, note: str) -> bool:
    """Whether the note written beside the phase is not in the timeline entry made or found
    for the change: it did not fit beside the note written in the timeline itself."""
    note = note.strip()
    return bool(entry is not None and note and note not in entry.note)


def _stop_day_corrected(initiative: Initiative, previous_end_date: datetime.date | None) -> None:
    """Move the timeline's stop entry dated by the old stop day to the corrected one: the page
    said "Ended 28 November" and, in the timeline, "3 December Stopped". An entry the editor
    dated otherwise is left as it is."""
    if (
        initiative.phase != Phase.STOPPED
        or previous_end_date is None
        or initiative.end_date in (None, previous_end_date)
    ):
        return
    # A save for each (there is one as a rule), so the page cache sees the change.
    for entry in initiative.timeline.filter(phase=Phase.STOPPED, date=previous_end_date):
        entry.date = initiative.end_date
        entry.save(update_fields=["date"])
