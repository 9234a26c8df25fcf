"""gunicorn settings, read by `gunicorn helsingborg_innovation.wsgi` from the working directory.

Every value can be overridden from the environment (GUNICORN_*), so nodes of different sizes
share one file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# The usual (2 x cores) + 1 sync workers: the portal's work is short database-bound requests.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
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
# a trusted balancer added (what DJANGO_TRUSTED_PROXIES tells the portal itself).
access_log_format = '%(h)s "%({x-forwarded-for}i)s" "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
