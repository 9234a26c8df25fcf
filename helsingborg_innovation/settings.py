"""Settings for the portal, read from the environment.

Development defaults are safe on a laptop (SQLite, local-memory cache, console e-mail);
production differs only by environment variables and refuses to start without a secret key,
allowed hosts and the site's address.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# A refused form says so in the site's words, and the idea form keeps what was typed.
CSRF_FAILURE_VIEW = "helsingborg_innovation.views.csrf_failure"
# The site's own proxies (load balancers), addresses or networks such as 10.0.0.0/8: behind
# them the visitor's address, which limits are kept per, is taken from X-Forwarded-For
# (helsingborg_innovation/clients.py). Empty: the address the request came from.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES holds {_proxy!r}, not an address or a network"
        ) from None
# Whether a request came over HTTPS is taken from X-Forwarded-Proto only when the portal runs
# behind a proxy that terminates TLS and sets that header itself, overwriting what a visitor
# sent, and only on a request from that proxy (TRUSTED_PROXIES, middleware.
# ForwardedProtoMiddleware). Believed from anyone, a client talking straight to gunicorn over
# plain HTTP claimed HTTPS and was served as if over it, past the redirect to HTTPS.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    if not TRUSTED_PROXIES:
        # Believed from no one, every page behind the TLS proxy would redirect to itself, a
        # loop that looks like an outage; from anyone, it would be the hole above.
        raise ImproperlyConfigured(
            "DJANGO_TRUST_X_FORWARDED_PROTO=true needs DJANGO_TRUSTED_PROXIES: the addresses "
            "of the proxies that set X-Forwarded-Proto, e.g. 10.0.0.0/8"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "helsingborg_innovation.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.sitemaps",
    "django_filters",
    "helsingborg_innovation.apps.TagsConfig",  # django-taggit
    "helsingborg_innovation",
    "challenges",
    "methods",
    "initiatives",
    "contributions",
    # Last, as its documentation asks: deletes a replaced or deleted upload once the change is
    # committed (images.discard_renditions removes an image's renditions with it).
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    # Before anything asks whether the request came over HTTPS: X-Forwarded-Proto is believed
    # only from the proxies in TRUSTED_PROXIES.
    "helsingborg_innovation.middleware.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that can answer on its own: every response carries the policies.
    "helsingborg_innovation.middleware.SecurityHeadersMiddleware",
    # Before the Host header is checked: load balancers ask each node by its own address.
    "helsingborg_innovation.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages leave from here, as the middleware below finished them.
    "helsingborg_innovation.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside CommonMiddleware, which then gives the page it adds its Content-Length.
    "helsingborg_innovation.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

# Form widgets render through the project's templates; selects, the slow ones, in Python.
FORM_RENDERER = "helsingborg_innovation.renderers.PortalFormRenderer"

ROOT_URLCONF = "helsingborg_innovation.urls"
WSGI_APPLICATION = "helsingborg_innovation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helsingborg_innovation.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compilation: it pays off for long analytical queries, and the portal's are short.
    # The statistics' counts over the whole portfolio passed PostgreSQL's threshold and spent
    # 130 ms compiling before they ran: 729 ms with it, 616 ms without; the ideas' 147 -> 95.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The statistics' covering index (contributions, INCLUDE) is for PostgreSQL; SQLite, for
# development and tests, makes it without the included columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
)

REDIS_URL = env_str("REDIS_URL")
REDIS_TIMEOUT = env_int("REDIS_TIMEOUT_MS", 500) / 1000  # seconds
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "helsingborg_innovation.rediscache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "hbg"),
            # A Redis that does not answer must not hold a page up for the operating system's
            # connection timeout (minutes): the page is made without the cache instead, and
            # the cache is left alone for a few seconds (pagecache.cache_failed).
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
    # The counters of the rate limits and of admin sign-in attempts: in the same Redis, so
    # that every node counts together.
    CACHES["limits"] = CACHES["default"]
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Apart from the pages: the local-memory cache holds 300 entries and culls a third of
        # them when full, so a visitor asking for a few hundred addresses would wipe out the
        # counts of their own guesses and ideas. Counters are small and few (one per visitor
        # and window), so this one holds many.
        "limits": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "limits",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
# The language staff write the content in: on a page in another language, what they wrote is
# marked with it (lang="sv") so that a screen reader reads it right (WCAG 3.1.2).
CONTENT_LANGUAGE = "sv"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    # Keeps the names of uploads as editors gave them, made safe (storage.safe_name).
    "default": {"BACKEND": "helsingborg_innovation.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Open-data files too large for the page cache, kept once made (exportfiles.py). Not
    # uploads: outside MEDIA_ROOT, which the web server serves and the backups hold.
    "exports": {
        "BACKEND": "helsingborg_innovation.storage.ExportFileStorage",
        "OPTIONS": {
            # Blank (DJANGO_EXPORTS_ROOT= in an env file) is the default, not the current folder.
            "location": Path(env_str("DJANGO_EXPORTS_ROOT") or BASE_DIR / "var" / "exports")
        },
    },
}

# Upload limits: Django refuses larger request bodies, and attachments and images are checked
# against these by content (see helsingborg_innovation/uploads.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)

# E-mail: the console locally; SMTP in production (EMAIL_HOST, default a local mail relay).
if env_str("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# The sender of the e-mails. Without it in production they came from a reserved domain, which
# receiving mail servers refuse or file as spam, and whose mailbox no one reads.
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL").strip()
if not DEFAULT_FROM_EMAIL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_DEFAULT_FROM_EMAIL must be set when DJANGO_DEBUG is off: the sender of the "
            "e-mails, an address of the city's own, e.g. innovation@helsingborg.se"
        )
    DEFAULT_FROM_EMAIL = "innovation@helsingborg.example.org"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The portal's own rules.
# The address e-mails and feeds link to. Without it in production, the link to each sender's
# status page led to 127.0.0.1.
SITE_URL = env_str("SITE_URL").strip().rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_URL must be set when DJANGO_DEBUG is off: the address the e-mails link to, "
            "e.g. https://innovation.helsingborg.se"
        )
    SITE_URL = "http://127.0.0.1:8000"
elif not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"SITE_URL must be an absolute address such as https://innovation.helsingborg.se, "
        f"got {SITE_URL!r}"
    )
CONTENT_AGE_NOTICE_DAYS = env_int("CONTENT_AGE_NOTICE_DAYS", 60)
PAGE_SIZE = env_int("PAGE_SIZE", 12)
# Whole pages for anonymous visitors come from the cache (helsingborg_innovation/pagecache.py).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
# With Redis, each worker keeps the pages it served, up to this many megabytes, and serves them
# without asking Redis until Redis reports a change (helsingborg_innovation/nearcache.py); 0 = off.
PAGE_CACHE_NEAR_MEGABYTES = env_int("PAGE_CACHE_NEAR_MEGABYTES", 16)
# Failed admin sign-ins from one address before it must wait, and how long.
ADMIN_LOGIN_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 10)
ADMIN_LOGIN_LOCKOUT_SECONDS = env_int("ADMIN_LOGIN_LOCKOUT_SECONDS", 15 * 60)

# Ideas sent against challenges (contributions/): protection against robots and retention.
# Seconds a person needs at least to fill in the form, and the longest a form may stay open.
CONTRIBUTION_MIN_SECONDS = env_int("CONTRIBUTION_MIN_SECONDS", 3)
CONTRIBUTION_FORM_MAX_AGE_SECONDS = env_int("CONTRIBUTION_FORM_MAX_AGE_SECONDS", 24 * 60 * 60)
# Ideas stored per client address, such as "10/h" (per s, m, h or d); past it, the form comes
# back with the idea in it (429) and says when to send it again.
CONTRIBUTION_RATE_LIMIT = env_str("CONTRIBUTION_RATE_LIMIT", "10/h")
# Searches per visitor that the page cache did not answer, such as "120/m"; more get a 429.
SEARCH_RATE_LIMIT = env_str("SEARCH_RATE_LIMIT", "120/m")
# Open-data files made at once on the whole site (each holds a worker for up to half a minute
# with the whole portfolio); one more is answered 503 with when to try again.
OPEN_DATA_EXPORTS_AT_ONCE = env_int("OPEN_DATA_EXPORTS_AT_ONCE", 2)
# Personal data of decided ideas is erased this many days after the decision.
CONTRIBUTION_RETENTION_DAYS = env_int("CONTRIBUTION_RETENTION_DAYS", 365)
# How long the web server's access logs (visitors' addresses) are kept: the personal data page
# says so, and the log rotation of the nodes must be set to match (README).
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 30)

# Security. Django's built-in Content Security Policy, with nonces and no inline code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Only staff sign in. Django keeps a session for two weeks: a moderator's computer left signed
# in opened the senders' e-mail addresses to anyone at it for as long. A working day instead,
# counted from signing in.
SESSION_COOKIE_AGE = env_int("STAFF_SESSION_HOURS", 10) * 60 * 60
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    # Both speak for more than the portal: includeSubDomains for every host under its own, and
    # preload, once the browsers list it, for the whole registered domain (helsingborg.se,
    # from innovation.helsingborg.se) and for years. Only the domain's owner can promise that
    # every one of those hosts serves HTTPS, so each is theirs to turn on.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    if SECURE_HSTS_PRELOAD and not (
        SECURE_HSTS_INCLUDE_SUBDOMAINS and SECURE_HSTS_SECONDS >= 31_536_000
    ):
        raise ImproperlyConfigured(
            "DJANGO_HSTS_PRELOAD needs DJANGO_HSTS_INCLUDE_SUBDOMAINS=true and "
            "DJANGO_HSTS_SECONDS of a year (31536000) or more: the browsers' preload list "
            "takes no site without them"
        )
    # Django's deploy checks advise both; off, they are the deployment's choice, not an
    # oversight (see above).
    SILENCED_SYSTEM_CHECKS += [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
    # Off only for the multi-node tests, which talk plain HTTP on loopback.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No status page's token in the log (helsingborg_innovation/logs.py): filtered where Django
# names request paths, before any handler sees the record, and in the console's output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private_paths": {"()": "helsingborg_innovation.logs.PrivatePaths"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["private_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["private_paths"]},
        "django.security.csrf": {"filters": ["private_paths"]},
    },
}

TAGGIT_CASE_INSENSITIVE = True
