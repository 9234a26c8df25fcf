"""Writes on the shared vocabulary that touch several models: merging tags."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from taggit.models import Tag, TaggedItem

from helsingborg_innovation import pagecache


@transaction.atomic
def tags_merge(*, keep: Tag, merged: Iterable[Tag]) -> int:
    """Give every item (of any kind) that has one of the `merged` tags the tag `keep` instead,
    once, and delete the merged tags; returns how many items were retagged.

    A few queries whatever the number of items: the tagged items are moved and their
    duplicates deleted in bulk, without the signals that a save or delete of each would send,
    so the page cache is told here what they would have told it (see pagecache.MODEL_KINDS).
    """
    merged = [tag for tag in merged if tag.pk != keep.pk]
    if not merged:
        return 0
    uses = TaggedItem.objects.filter(tag__in=merged)
    items_by_kind = (
        uses.order_by()
        .values_list("content_type__app_label", "content_type__model")
        .annotate(items=Count("object_id", distinct=True))
    )
    kinds, items = set(), 0
    for app_label, model, count in items_by_kind:
        kinds.add(pagecache.MODEL_KINDS.get(f"{app_label}.{model}"))
        items += count
    # An item keeps one tag of the merged ones, the first given, and only if it does not
    # have `keep` already: two rows of one tag on one item break taggit's unique constraint.
    same_item = TaggedItem.objects.filter(
        content_type=OuterRef("content_type"), object_id=OuterRef("object_id")
    )
    duplicates = uses.filter(
        Exists(same_item.filter(Q(tag=keep) | Q(tag__in=merged, pk__lt=OuterRef("pk"))))
    )
    # Deleted in one statement: QuerySet.delete() reads the rows and deletes them a hundred
    # at a time, sending signals for each (the page cache's receivers are on every model).
    duplicates._raw_delete(duplicates.db)
    uses.update(tag=keep)
    Tag.objects.filter(pk__in=[tag.pk for tag in merged]).delete()
    pagecache.bump(pagecache.VOCABULARY, *sorted(kinds - {None}))
    return items
