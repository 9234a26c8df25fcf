"""Telling gunicorn that a worker busy with one long response is working, not hung.

gunicorn's arbiter restarts a worker that has not said it is alive for GUNICORN_TIMEOUT
seconds (30 by default), and a sync worker says so only between requests: the whole
portfolio's open-data export (100,000 initiatives, 50 MB, some 30 s on two busy cores) was cut
off at 38 MB, after its 200 had gone, and the download looked complete. A response that keeps
making progress calls `beat()` as it goes; one that hangs still has its worker restarted.
"""

_worker = None


def attach(worker) -> None:
    """This process is gunicorn's `worker` (gunicorn.conf.py's post_fork hook)."""
    global _worker
    _worker = worker


def beat() -> None:
    """Tell gunicorn this worker is alive; nothing outside gunicorn (runserver, tests)."""
    if _worker is not None:
        _worker.notify()
