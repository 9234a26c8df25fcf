from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.encoding import escape_uri_path
from django.utils.translation import get_language_from_path, override

from helsingborg_innovation.languages import content_lang


def site(request):
    """The language switch (the same page in the other language) and site-wide settings."""
    path = _on_this_site(_full_path(request))
    links = []
    for code, name in settings.LANGUAGES:
        url = _in_language(request, path, code)
        # The path alone too: the page's own address adds its own query to it (page_addresses).
        links.append({"code": code, "name": name, "url": url, "path": urlsplit(url).path})
    return {
        "language_links": links,
        "content_age_notice_days": settings.CONTENT_AGE_NOTICE_DAYS,
        "content_lang": content_lang(),
    }


def _in_language(request, path: str, code: str) -> str:
    """`translate_url(path, code)` without resolving the path again: the request was resolved
    once already (two resolves were a twentieth of a dashboard built afresh). Error pages and
    pages whose path was not resolved fall back to Django's own."""
    match = request.resolver_match
    if match is None:
        url = translate_url(path, code)
        return _under_prefix(path, code) if url == path else url
    with override(code):
        try:
            url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return path
    parts = urlsplit(path)
    return urlunsplit(("", "", url, parts.query, parts.fragment))


def _under_prefix(path: str, code: str) -> str:
    """An address nothing answers (a page not found), under the prefix of `code`: translate_url
    gives such an address back as it is, and the switch then led to the same page in the same
    language."""
    parts = urlsplit(path)
    current = get_language_from_path(parts.path)
    rest = parts.path.removeprefix(f"/{current}") if current else parts.path
    prefix = "" if code == settings.LANGUAGE_CODE else f"/{code}"
    return urlunsplit(("", "", prefix + _on_this_site(rest), parts.query, parts.fragment))


def _full_path(request) -> str:
    """The page's address with its query as the page reads it. A query sent as raw UTF-8
    bytes ("q=å" unencoded; browsers encode it) is read as "å", but get_full_path() writes its
    bytes one by one, a search for "Ã¥" in the other language."""
    if request.META.get("QUERY_STRING", "").isascii():
        return request.get_full_path()
    return f"{escape_uri_path(request.path)}?{request.GET.urlencode()}"


def _on_this_site(path: str) -> str:
    """`path` with one slash in front: one that begins with "//" names another host, to
    translate_url and to the browser. A link to https://site//evil.example/ gave the site's
    page not found, whose "English" led to //evil.example/en/ (found by review)."""
    return "/" + path.lstrip("/")
