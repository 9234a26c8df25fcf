"""What a visitor typed into a search box, made safe to search with."""

MAX_QUERY_LENGTH = 200


def clean_query(text: str | None) -> str:
    """No NUL bytes, no surrounding space, bounded length."""
    return (text or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
