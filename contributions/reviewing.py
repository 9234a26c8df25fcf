"""Which moderator has an idea open, so that two clearing the same queue take different ideas.

"Save and review the next" took every moderator to the oldest idea waiting: two working from
the start of the queue were both sent to the same idea, read it twice, and the second to save
was refused (ModerationForm) on every idea after. An idea a moderator opens is now theirs for
REVIEW_SECONDS, or until they save it: the next idea skips it for the others, and another
moderator who opens it anyway is told who has it.

Kept in the default cache (Redis, shared by the nodes). Without it, nothing is known of who
has what open, and moderation goes on as before: a save is still checked against what the
moderator saw.
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

# Long enough to read an idea and write an answer; an idea left open in a tab is free again
# after this.
REVIEW_SECONDS = 10 * 60
# How many of the ideas waiting next in the list are looked at for one no one else has open.
LOOK_AHEAD = 20


def _key(pk: int) -> str:
    return f"reviewing:idea:{pk}"


def opened(pk: int, user) -> tuple[int, str] | None:
    """Note that `user` has the idea open, unless another moderator has: then who that is
    (their id and name), and the idea stays theirs."""
    me = (user.pk, user.get_full_name() or user.get_username())
    try:
        if cache.add(_key(pk), me, REVIEW_SECONDS):
            return None
        holder = cache.get(_key(pk))
        if holder is None or holder[0] == user.pk:
            cache.set(_key(pk), me, REVIEW_SECONDS)
            return None
        return holder
    except Exception:
        logger.warning("Cache unavailable: who has idea %s open is not known", pk, exc_info=True)
        return None


def closed(pk: int, user) -> None:
    """The idea is free again: `user` saved it."""
    try:
        holder = cache.get(_key(pk))
        if holder is not None and holder[0] == user.pk:
            cache.delete(_key(pk))
    except Exception:
        logger.warning("Cache unavailable: idea %s is not marked as free", pk, exc_info=True)


def open_elsewhere(pks: list[int], user) -> set[int]:
    """Those of these ideas another moderator has open."""
    try:
        holders = cache.get_many([_key(pk) for pk in pks])
    except Exception:
        logger.warning("Cache unavailable: who has which idea open is not known", exc_info=True)
        return set()
    return {pk for pk in pks if (holder := holders.get(_key(pk))) and holder[0] != user.pk}
