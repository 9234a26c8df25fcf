from django.utils import timezone

from initiatives.models import Initiative, PhaseChange


def initiative_record_phase(
    *, initiative: Initiative, previous_phase: str | None, note: str = ""
) -> PhaseChange | None:
    """Add a timeline entry when an initiative is created or its phase changes, unless the
    timeline ends in that phase already (the change was entered there with its own day): the
    note then goes to that entry if it has none.

    previous_phase is the phase stored before the change, None for a new initiative.
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
    return PhaseChange.objects.create(
        initiative=initiative,
        date=timezone.localdate(),
        phase=initiative.phase,
        note=note,
    )
