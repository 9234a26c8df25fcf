from django.utils import timezone

from initiatives.models import Initiative, PhaseChange


def initiative_record_phase(
    *, initiative: Initiative, previous_phase: str | None, note: str = ""
) -> PhaseChange | None:
    """Add a timeline entry when an initiative is created or its phase changes.

    previous_phase is the phase stored before the change, None for a new initiative.
    """
    if previous_phase == initiative.phase:
        return None
    return PhaseChange.objects.create(
        initiative=initiative,
        date=timezone.localdate(),
        phase=initiative.phase,
        note=note.strip(),
    )
