"""gunicorn settings, read by `gunicorn helsingborg_innovation.wsgi` from the working directory.

Every value can be overridden from the environment (GUNICORN_*), so nodes of different sizes
share one file. A variable set but blank (`GUNICORN_WORKERS=` in an env file) means its default.
"""

import multiprocessing
import os
import sys

from gunicorn.glogging import Logger

from helsingborg_innovation.logs import PRIVATE_PATH


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole number from the environment, or a one-line refusal instead of a traceback."""
    value = env_str(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise SystemExit(f"{name} must be a whole number, {minimum} or more, got {value!r}.")
    return number


# gunicorn is how the public is served, so production is its default: a node started without
# DJANGO_DEBUG showed visitors Django's debug pages (tracebacks, settings, SQL) on any error.
# Now it refuses to start without the production variables (DJANGO_SECRET_KEY, ...) instead;
# DJANGO_DEBUG=true still serves the development site on purpose. manage.py keeps debug on.
if not os.environ.get("DJANGO_DEBUG", "").strip():
    os.environ["DJANGO_DEBUG"] = "false"

bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
# With Redis: the usual (2 x cores) + 1 sync workers, for short database-bound requests.
# Without it the cache is each process's own memory, so the page cache, the rate limits and the
# sign-in lockout would be each worker's own: a page taken down in one worker stayed public from
# the others' copies for up to a day, and every worker allowed the limits anew. One process
# then, with as many threads (they share its memory).
concurrency = multiprocessing.cpu_count() * 2 + 1
shared_cache = bool(os.environ.get("REDIS_URL"))
workers = env_int("GUNICORN_WORKERS", concurrency if shared_cache else 1, minimum=1)
threads = env_int("GUNICORN_THREADS", 1 if shared_cache else concurrency, minimum=1)

timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never takes a node down.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 500)
accesslog = env_str("GUNICORN_ACCESS_LOG", "-")
errorlog = env_str("GUNICORN_ERROR_LOG", "-")
# No query strings in the access log: search terms people type are theirs, not the log's.
# Behind a load balancer the connecting address is the balancer's, so the second field is the
# X-Forwarded-For chain as it arrived ("-" without one): the visitor's address is the last one
# a trusted balancer added (what DJANGO_TRUSTED_PROXIES tells the portal itself). Then the time,
# as in gunicorn's own format: a log written to a file (GUNICORN_ACCESS_LOG) has no other.
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
)

# The address of an idea's private status page and receipt holds its token (contributions/
# urls.py: "bidrag/<token>/", "/en/contributions/<token>/"): whoever could read the log could
# open every sender's page. The token is logged as "[token]", as in Django's own lines
# (PRIVATE_PATH, from helsingborg_innovation/logs.py).


class PrivateLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = PRIVATE_PATH.sub(r"\1[token]", atoms["U"])
        return atoms


logger_class = PrivateLogger
forwarded_allow_ips = env_str("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse several workers without a shared cache, however they were asked for."""
    if server.cfg.workers > 1 and not shared_cache:
        raise SystemExit(
            f"{server.cfg.workers} workers need REDIS_URL: without a shared cache each worker "
            "keeps its own copies of pages and its own limits, and serves content taken down "
            "in another. Set REDIS_URL, or run one worker (GUNICORN_THREADS sets how many "
            "requests it serves at once)."
        )


def post_fork(server, worker):
    """A worker streaming a long response (the whole portfolio's open data) says it is alive
    as it goes, instead of being taken for hung and restarted mid-file (`heartbeat`)."""
    from helsingborg_innovation import heartbeat

    heartbeat.attach(worker)


def worker_exit(server, worker):
    """Send the page cache's invalidations Redis did not take before the worker goes (recycled
    after max_requests, or stopped for a deploy): a worker sends them with its next request,
    which a worker that goes has none of, and the other workers would serve the pages from
    before the change until midnight."""
    pagecache = sys.modules.get("helsingborg_innovation.pagecache")
    if pagecache is not None and not pagecache.send_unsent_bumps():
        server.log.warning(
            "Redis did not take the page cache's invalidations: cached public pages may show "
            "content changed or taken down until they expire at midnight."
        )
