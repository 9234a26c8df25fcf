"""Many people sending ideas at once: the load generator and what it must find.

Shared by the CI-sized load test (tests/production/test_load.py) and the full run for people
(tests/benchmarks/load_contributions.py). Each sender is a thread with a cookie jar of its own,
like one browser: it opens the form, sends an idea under a title no other idea has, and on a
503 or a lost connection sends the same form again, as a person pressing "Send" again would.
Every so often it sends an acknowledged form a second time, like a double click. An idea counts
as acknowledged only on the 302 to its receipt, and every receipt must be that of the one idea
stored under its title. Everything stays on loopback and
every run is bounded by time and by a number of ideas.
"""

import contextlib
import http.client
import random
import re
import socket
import statistics
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.production.http_client import Browser
from tests.production.tcp_proxy import TcpProxy

# What the nodes need so that a machine can send ideas as fast as it likes.
LOAD_ENV = {"CONTRIBUTION_MIN_SECONDS": "0", "CONTRIBUTION_RATE_LIMIT": "1000000/h"}
# The production issue's promise: service again within this many seconds of the database.
RECOVERY_LIMIT = 5.0
# Every this many ideas a sender sends the acknowledged form once more (a double click).
SEND_TWICE_EVERY = 20
MAIL_FAILURE_LOG = "Could not send e-mail about idea"


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port where nothing listens: a mail server that is down.

    The port stays bound (without listening) while in use, so nothing else can take it and
    every connection to it is refused at once.
    """
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def mail_down_env(port: int) -> dict:
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_TIMEOUT": "5"}


def proxied(database_url: str) -> tuple[TcpProxy, str]:
    """A started TCP proxy in front of the database, and the database URL through it."""
    parts = urllib.parse.urlsplit(database_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.start()
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    return proxy, urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Outage:
    """Takes the database away `at` seconds into a run; `interrupt` returns once it is back."""

    at: float
    interrupt: Callable[[], None]
    description: str
    down: float | None = None  # seconds into the run, once it happened
    back: float | None = None
    error: BaseException | None = None

    @classmethod
    def proxy_cut(cls, proxy: TcpProxy, *, at: float, length: float) -> "Outage":
        def interrupt() -> None:
            proxy.cut()
            time.sleep(length)
            proxy.start()

        return cls(at, interrupt, f"database connection cut for {length:g} s")


@dataclass
class Request:
    sender: int
    kind: str  # "form" (GET), "send" (POST) or "again" (the same POST after its 302)
    title: str
    started: float  # seconds into the run
    finished: float
    status: int | None  # None: no HTTP answer at all (reset, refused, timeout)
    error: str = ""
    token: str = ""  # of the receipt an acknowledged idea was sent to


@dataclass
class LoadRun:
    senders: int
    duration: float
    outage: Outage | None
    requests: list[Request] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)  # senders stopped by a surprise
    elapsed: float = 0.0

    @property
    def sends(self) -> list[Request]:
        return [r for r in self.requests if r.kind != "form"]

    @property
    def acknowledged(self) -> dict[str, set[str]]:
        """Title -> the receipt tokens of every idea answered with a 302."""
        receipts = defaultdict(set)
        for r in self.sends:
            if r.status == 302:
                receipts[r.title].add(r.token)
        return dict(receipts)

    @property
    def titles(self) -> set[str]:
        """Every idea sent at least once."""
        return {r.title for r in self.sends}

    def recovery(self) -> float | None:
        """Seconds from the database being back to the first idea acknowledged after it."""
        if self.outage is None or self.outage.back is None:
            return None
        back = self.outage.back
        acks = [r.finished for r in self.sends if r.status == 302 and r.finished >= back]
        return min(acks) - back if acks else None

    def may_be_unavailable(self, request: Request) -> bool:
        """Whether a 503 is allowed: only while the database is away, until the recovery limit."""
        outage = self.outage
        if outage is None or outage.down is None or outage.back is None:
            return False
        return request.finished >= outage.down and request.started <= outage.back + RECOVERY_LIMIT


def run_load(
    urls: list[str],
    path: str,
    *,
    senders: int,
    duration: float,
    max_ideas: int,
    prefix: str,
    outage: Outage | None = None,
) -> LoadRun:
    """`senders` threads sending ideas to `path` on the nodes at `urls` for `duration` seconds."""
    for url in urls:
        host = urllib.parse.urlsplit(url).hostname
        assert host in {"127.0.0.1", "localhost", "::1"}, f"load only on loopback, not {url}"
    if outage is not None:
        assert outage.at + RECOVERY_LIMIT < duration, "the run must outlast the recovery"
    run = LoadRun(senders=senders, duration=duration, outage=outage)
    lock = threading.Lock()
    ideas = iter(range(max_ideas))
    begin = time.monotonic()
    deadline = begin + duration

    def now() -> float:
        return time.monotonic() - begin

    def request(browser: Browser, sender: int, kind: str, title: str, data=None):
        started = now()
        error = ""
        try:
            status, body, headers = browser.request(path, data)
        except (OSError, http.client.HTTPException) as exc:
            status, body, headers, error = None, "", {}, type(exc).__name__
        token = ""
        if status == 302:
            # /bidrag/<token>/tack/: the token is the second-last part of the receipt's path.
            token = urllib.parse.urlsplit(headers.get("Location", "")).path.split("/")[-3]
        with lock:
            run.requests.append(Request(sender, kind, title, started, now(), status, error, token))
        return status, body

    def send(sender: int, base_url: str) -> None:
        try:
            send_ideas(sender, Browser(base_url))
        except Exception as error:
            with lock:
                run.crashes.append(f"sender {sender}: {error!r}")

    def send_ideas(sender: int, browser: Browser) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(ideas, None)
            if n is None:
                return
            title = f"{prefix} {sender:02d}-{n:06d}"
            data = None
            while time.monotonic() < deadline:
                if data is None:
                    status, body = request(browser, sender, "form", title)
                    if status == 200:
                        data = _filled_in(browser, body, title, sender)
                        continue
                else:
                    status, _ = request(browser, sender, "send", title, data)
                    if status == 302:
                        if n % SEND_TWICE_EVERY == 0:
                            request(browser, sender, "again", title, data)
                        break
                    if status not in {None, 503}:
                        break  # refused for another reason: reported by problems()
                time.sleep(random.uniform(0.1, 0.3))  # then try again, like a person would

    def interrupt() -> None:
        time.sleep(max(0.0, outage.at - now()))
        outage.down = now()
        try:
            outage.interrupt()
        except BaseException as error:
            outage.error = error
        outage.back = now()

    threads = [
        threading.Thread(target=send, args=(i, urls[i % len(urls)]), daemon=True)
        for i in range(senders)
    ]
    if outage is not None:
        threads.append(threading.Thread(target=interrupt, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.elapsed = now()
    return run


def _filled_in(browser: Browser, form: str, title: str, sender: int) -> dict:
    started = re.search(r'name="started" value="([^"]+)"', form)
    assert started, "no signed start time on the form"
    return {
        "csrfmiddlewaretoken": browser.csrf_token(form),
        "started": started.group(1),
        "title": title,
        "text": "Fler sittplatser längs vägen till färjan, så att alla orkar gå dit.",
        "name": f"Lasttest Avsändare {sender}",
        "email": f"sender{sender}@example.org",
        "organisation": "",
        "kind": "resident",
        "consent": "on",
        "website": "",
    }


def problems(run: LoadRun, stored: dict[str, list[str]]) -> list[str]:
    """What went wrong, given the run and the stored ideas of its challenge (title -> tokens)."""
    found = []

    def history(title: str) -> str:
        steps = [
            f"{r.kind} {r.started:.2f}-{r.finished:.2f} s: {r.status or r.error}"
            for r in run.requests
            if r.title == title
        ]
        return f"{title!r} went {', '.join(steps)}; stored {len(stored.get(title, []))} time(s)"

    def report(what: str, requests: list[Request]) -> None:
        if requests:
            first = requests[0]
            found.append(
                f"{len(requests)} {what}, the first: {first.kind} of {first.title!r} at "
                f"{first.started:.2f}-{first.finished:.2f} s -> {first.status or first.error}"
            )

    if run.crashes:
        found.append(f"{len(run.crashes)} senders stopped: {run.crashes[0]}")
    report("answers with a server error other than 503", [
        r for r in run.requests if r.status is not None and r.status >= 500 and r.status != 503
    ])  # fmt: skip
    report("503 answers while the database was there", [
        r for r in run.requests if r.status == 503 and not run.may_be_unavailable(r)
    ])  # fmt: skip
    report("requests without an HTTP answer", [r for r in run.requests if r.status is None])
    report("forms that did not open", [
        r for r in run.requests if r.kind == "form" and r.status not in {None, 200, 503}
    ])  # fmt: skip
    report("ideas refused", [
        r for r in run.sends if r.status not in {None, 302, 503}
    ])  # fmt: skip

    acknowledged = run.acknowledged
    if not acknowledged:
        found.append("no idea was acknowledged at all")
    lost = sorted(t for t in acknowledged if not stored.get(t))
    twice = sorted(t for t in run.titles if len(stored.get(t, [])) > 1)
    wrong = sorted(
        t
        for t, tokens in acknowledged.items()
        if len(stored.get(t, [])) == 1 and tokens != set(stored[t])
    )
    strangers = sorted(set(stored) - run.titles)
    for what, titles in [
        ("acknowledged ideas lost", lost),
        ("ideas stored more than once", twice),
        ("receipts that point at another idea", wrong),
        ("stored ideas nobody sent", strangers),
    ]:
        if titles:
            found.append(f"{len(titles)} {what}: {', '.join(titles[:5])}; {history(titles[0])}")

    outage = run.outage
    if outage is not None:
        if outage.error is not None:
            found.append(f"the outage could not be made: {outage.error!r}")
        unavailable = [r for r in run.requests if r.status == 503]
        if not unavailable:
            found.append("no 503 during the outage: the database was never away")
        recovery = run.recovery()
        if recovery is None or recovery > RECOVERY_LIMIT:
            found.append(
                f"no idea acknowledged within {RECOVERY_LIMIT:g} s of the database coming back "
                f"(first after {recovery if recovery is None else round(recovery, 2)} s)"
            )
    return found


def figures(run: LoadRun, stored: dict[str, list[str]]) -> dict[str, str]:
    """The run in numbers, for people."""
    sends = run.sends
    acknowledged = run.acknowledged
    latencies = sorted(r.finished - r.started for r in sends if r.status == 302)
    unavailable = [r for r in run.requests if r.status == 503]
    other_5xx = [r for r in run.requests if r.status and r.status >= 500 and r.status != 503]
    again = sum(r.kind == "again" for r in sends)
    retried = len(sends) - again - len(run.titles)
    stored_count = sum(len(tokens) for tokens in stored.values())

    def quantile(q: float) -> str:
        if len(latencies) < 2:
            return "-"
        return f"{statistics.quantiles(latencies, n=100)[q - 1] * 1000:.0f}"

    outage = run.outage
    recovery = run.recovery()
    return {
        "senders": str(run.senders),
        "duration (s)": f"{run.elapsed:.1f}",
        "requests": str(len(run.requests)),
        "ideas sent": str(len(run.titles)),
        "sent again after 503/no answer": str(retried),
        "sent twice on purpose": str(again),
        "acknowledged (302)": str(len(acknowledged)),
        "acknowledged per s": f"{len(acknowledged) / run.elapsed:.1f}" if run.elapsed else "-",
        "send p50 (ms)": quantile(50),
        "send p99 (ms)": quantile(99),
        "503 answers (form/send)": (
            f"{len(unavailable)} ({sum(r.kind == 'form' for r in unavailable)}/"
            f"{sum(r.kind == 'send' for r in unavailable)})"
        ),
        "other 5xx": str(len(other_5xx)),
        "no HTTP answer": str(sum(r.status is None for r in run.requests)),
        "stored": str(stored_count),
        "acknowledged, not stored": str(sum(1 for t in acknowledged if not stored.get(t))),
        "stored twice": str(sum(1 for t in stored if len(stored[t]) > 1)),
        "not acknowledged, stored": str(
            sum(1 for t in stored if t not in acknowledged and stored[t])
        ),
        "outage": outage.description if outage else "none",
        "outage from-to (s)": (
            f"{outage.down:.1f}-{outage.back:.1f}" if outage and outage.back is not None else "-"
        ),
        "recovery (s)": f"{recovery:.2f}" if recovery is not None else "-",
    }


def table(columns: dict[str, dict[str, str]]) -> str:
    """Figures of one or more runs side by side: {run name: figures(...)}."""
    names = list(columns)
    labels = list(next(iter(columns.values())))
    width = max(len(label) for label in labels)
    widths = [max(len(name), *(len(columns[name][label]) for label in labels)) for name in names]
    lines = [" " * width + "  " + "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))]
    for label in labels:
        cells = [columns[name][label].rjust(w) for name, w in zip(names, widths, strict=True)]
        lines.append(label.ljust(width) + "  " + "  ".join(cells))
    return "\n".join(lines)
