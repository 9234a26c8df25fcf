from django.utils import timezone

from initiatives.models import Initiative, Phase, PhaseChange


def initiative_record_phase(
    *, initiative: Initiative, previous_phase: str | None, note: str = ""
) -> PhaseChange | None:
    """Add a timeline entry when an initiative is created or its phase changes, unless the
    timeline ends in that phase already (the change was entered there with its own day): the
    note then goes to that entry if it has none.

    previous_phase is the phase stored before the change, None for a new initiative. A stop
    is dated by the initiative's end date, the day it was stopped, when that has come.
    """
    if previous_phase == initiative.phase:
        return None
    note = note.strip()
    last = initiative.timeline.order_by("-date", "-pk").first()
    if last is not None and last.phase == initiative.phase:
        if note and not last.note:
            last.note = note
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
