"""The free-text filter every list shares (full-text search on PostgreSQL comes with search)."""

from django.db.models import Q, QuerySet

MAX_QUERY_LENGTH = 200


def clean_query(text: str | None) -> str:
    """What a visitor typed, made safe to search with: no NUL bytes, bounded length."""
    return (text or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def filter_text(queryset: QuerySet, text: str, fields: list[str]) -> QuerySet:
    """Items where every word appears in at least one of the fields."""
    words = clean_query(text).split()
    for word in words[:10]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset
