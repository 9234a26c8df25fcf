from django.conf import settings
from django.urls import translate_url


def site(request):
    """The language switch (the same page in the other language) and site-wide settings."""
    path = request.get_full_path()
    languages = [
        {"code": code, "name": name, "url": translate_url(path, code)}
        for code, name in settings.LANGUAGES
    ]
    return {
        "language_links": languages,
        "content_age_notice_days": settings.CONTENT_AGE_NOTICE_DAYS,
    }
