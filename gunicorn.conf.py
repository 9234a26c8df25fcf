"""gunicorn settings, read by `gunicorn helsingborg_innovation.wsgi` from the working directory.

Every value can be overridden from the environment (GUNICORN_*), so nodes of different sizes
share one file.
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# With Redis: the usual (2 x cores) + 1 sync workers, for short database-bound requests.
# Without it the cache is each process's own memory, so the page cache, the rate limits and the
# sign-in lockout would be each worker's own: a page taken down in one worker stayed public from
# the others' copies for up to a day, and every worker allowed the limits anew. One process
# then, with as many threads (they share its memory).
concurrency = multiprocessing.cpu_count() * 2 + 1
shared_cache = bool(os.environ.get("REDIS_URL"))
workers = int(os.environ.get("GUNICORN_WORKERS", concurrency if shared_cache else 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1 if shared_cache else concurrency))

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never takes a node down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
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
# open every sender's page. The token is logged as "[token]".
PRIVATE_PATH = re.compile(r"^(/(?:en/)?(?:bidrag|contributions)/)[^/]+")


class PrivateLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = PRIVATE_PATH.sub(r"\1[token]", atoms["U"])
        return atoms


logger_class = PrivateLogger
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse several workers without a shared cache, however they were asked for."""
    if server.cfg.workers > 1 and not shared_cache:
        raise SystemExit(
            f"{server.cfg.workers} workers need REDIS_URL: without a shared cache each worker "
            "keeps its own copies of pages and its own limits, and serves content taken down "
            "in another. Set REDIS_URL, or run one worker (GUNICORN_THREADS sets how many "
            "requests it serves at once)."
        )
