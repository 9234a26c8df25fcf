import functools

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from helsingborg_innovation import (  # converters registers "text" for the patterns below
    converters,  # noqa: F401
    feeds,
    opendata,
    pages,
    search_views,
    stats_views,
    views,
)
from helsingborg_innovation.sitemaps import SITEMAPS

handler400 = "helsingborg_innovation.views.bad_request"
handler500 = "helsingborg_innovation.views.server_error"


def _revalidated_by_etag(view):
    """GET and HEAD only, and without the Last-Modified that Django's feeds and sitemaps give
    (the newest date among their items): an item unpublished, declined, archived or deleted
    leaves them without any date moving, so a reader asking with If-Modified-Since alone was
    told 304 and kept it. ConditionalGetMiddleware's ETag, a digest of what is sent (kept with
    the page cache's copy), changes with whatever changed. Exempt from the CSRF check, which
    guards what changes something: a program's POST gets 405, not a page about a form."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        del response.headers["Last-Modified"]
        return response

    return csrf_exempt(require_safe(wrapped))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", pages.robots_txt, name="robots_txt"),
    path("favicon.ico", pages.favicon, name="favicon"),
    path(
        "sitemap.xml",
        _revalidated_by_etag(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        _revalidated_by_etag(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]

# The info pages: about the platform, the accessibility statement and personal data.
info_pages = (
    [
        path(_("about/"), pages.InfoPageView.as_view(), name="about"),
        path(_("accessibility/"), pages.AccessibilityView.as_view(), name="accessibility"),
        path(_("personal-data/"), pages.PersonalDataView.as_view(), name="personal_data"),
    ],
    "pages",
)

statistics_urls = ([path("", stats_views.dashboard, name="dashboard")], "statistics")
opendata_urls = (opendata.urlpatterns(), "opendata")

search_urls = ([path("", search_views.search_page, name="results")], "search")
tag_urls = ([path("<text:slug>/", search_views.tag_detail, name="detail")], "tags")
feed_urls = (
    [
        path(
            _("challenges.rss"), _revalidated_by_etag(feeds.ChallengesFeed()), name="challenges_rss"
        ),
        path(
            _("challenges.atom"),
            _revalidated_by_etag(feeds.ChallengesAtomFeed()),
            name="challenges_atom",
        ),
        path(
            _("initiatives.rss"),
            _revalidated_by_etag(feeds.InitiativesFeed()),
            name="initiatives_rss",
        ),
        path(
            _("initiatives.atom"),
            _revalidated_by_etag(feeds.InitiativesAtomFeed()),
            name="initiatives_atom",
        ),
        path(_("lessons.rss"), _revalidated_by_etag(feeds.LessonsFeed()), name="lessons_rss"),
        path(_("lessons.atom"), _revalidated_by_etag(feeds.LessonsAtomFeed()), name="lessons_atom"),
        path(
            _("ideas/<slug:slug>.rss"),
            _revalidated_by_etag(feeds.ChallengeIdeasFeed()),
            name="ideas_rss",
        ),
        path(
            _("ideas/<slug:slug>.atom"),
            _revalidated_by_etag(feeds.ChallengeIdeasAtomFeed()),
            name="ideas_atom",
        ),
    ],
    "feeds",
)

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path(_("challenges/"), include("challenges.urls")),
    path(_("initiatives/"), include("initiatives.urls")),
    path(_("lessons/"), include("initiatives.lesson_urls")),
    path(_("methods/"), include("methods.urls")),
    # Ideas: the form under each challenge and the sender's private status page.
    path("", include("contributions.urls")),
    path("", include(info_pages)),
    path(_("statistics/"), include(statistics_urls)),
    path(_("open-data/"), include(opendata_urls)),
    path(_("search/"), include(search_urls)),
    path(_("tags/"), include(tag_urls)),
    path(_("feeds/"), include(feed_urls)),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
