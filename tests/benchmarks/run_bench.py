"""`make bench`: throughput and latency of the key pages against a hello-world Django view.

Seeds the large data set on PostgreSQL once (a database that already holds it is used as it is),
then, in one run:

1. the database part of search (bench_search.py), the statistics dashboard and the admin's
   heaviest pages, timed in-process with the page cache off;
2. the peak memory of each open-data export of the whole data set (bench_export.py, one
   process per export);
3. the hello-world reference project and the portal under gunicorn with the same settings,
   each key page measured with wrk, cached and with the page cache off, and the peak memory
   of a portal worker. The hello-world view is measured just before each page, and the page's
   ratio is to that measurement.

It prints every figure as Markdown tables, with the aims of issues 5, 6 and 7, and keeps a copy
in .bench/. Run from the project root: `.venv/bin/python tests/benchmarks/run_bench.py --help`.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
STATE = ROOT / ".bench"
# The environment as it was, before this process set Django up for its in-process timings:
# each server gets this, plus its own settings.
BASE_ENV = dict(os.environ)
HELLO_PORT, PORTAL_PORT = 8102, 8101

# The aims (issues 5, 6 and 7), on a 2-core machine.
CACHED_RATIO, CACHED_P99_MS = 0.6, 25.0
UNCACHED_RATIO = 0.15
HEAVY_RATIO = 0.1  # search and statistics, with the cache off
FORM_RATIO = 0.15
ADMIN_MS = 300.0
SEARCH_SQL_MEDIAN_MS = 20.0
STATISTICS_MS = 200.0
HEAVY_PAGES = {"search", "statistics"}
FORM_PAGES = {"contribution form"}

lines: list[str] = []


def log(message: str = "") -> None:
    print(message, flush=True)


def out(message: str = "") -> None:
    """A line of the report: printed, and kept for the copy in .bench/."""
    lines.append(message)
    log(message)


def bench_env(args, **extra) -> dict:
    env = dict(BASE_ENV)
    env.update(
        DJANGO_SETTINGS_MODULE="helsingborg_innovation.settings",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="benchmark-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # The portal's own address: an open-data file is kept whole only when asked for there.
        SITE_URL=f"http://127.0.0.1:{PORTAL_PORT}",
        DJANGO_EXPORTS_ROOT=str(STATE / "exports"),
        DJANGO_DEFAULT_FROM_EMAIL="innovation@localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT="2525",
        CONTRIBUTION_RATE_LIMIT="1000000/h",
        SEARCH_RATE_LIMIT="1000000/m",
    )
    env.update(extra)
    return env


def manage(args, *command: str) -> None:
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=bench_env(args), check=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


# The data set -------------------------------------------------------------------------------


def database_name(args) -> str:
    return args.database_url.rsplit("/", 1)[-1]


def connect(args, database: str | None = None):
    import psycopg

    url = args.database_url
    if database:
        url = url.rsplit("/", 1)[0] + "/" + database
    return psycopg.connect(url, autocommit=True)


def ensure_database(args) -> None:
    name = database_name(args)
    with connect(args, "postgres") as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not connection.execute(query, [name]).fetchone():
            log(f"Creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def targets(args) -> dict[str, int]:
    return {
        "initiatives": args.initiatives,
        "challenges": max(1, args.initiatives // 10),
        "methods": max(1, args.initiatives // 50),
        "ideas": args.ideas,
    }


def seeded_counts(args) -> dict[str, int]:
    """How much of the benchmark data set the database holds (see seed_demo --large)."""
    queries = {
        "initiatives": "SELECT count(*) FROM initiatives_initiative WHERE slug LIKE 'bench-%%'",
        "challenges": "SELECT count(*) FROM challenges_challenge WHERE slug LIKE 'bench-%%'",
        "methods": "SELECT count(*) FROM methods_method WHERE slug LIKE 'bench-%%'",
        "ideas": "SELECT count(*) FROM contributions_contribution WHERE reference LIKE 'HBG-B%%'",
        "demo": "SELECT count(*) FROM initiatives_initiative WHERE slug NOT LIKE 'bench-%%'",
    }
    with connect(args) as connection:
        return {key: connection.execute(sql).fetchone()[0] for key, sql in queries.items()}


def seed_once(args) -> str:
    """Seed the data set unless the database holds it already; say how long seeding took."""
    wanted = targets(args)
    record = STATE / f"seed-{database_name(args)}.json"
    counts = seeded_counts(args)
    if counts["demo"] and all(counts[key] >= n for key, n in wanted.items()):
        earlier = json.loads(record.read_text()) if record.exists() else {}
        took = f", which took {earlier['seconds']:.0f} s" if earlier.get("seconds") else ""
        when = f" on {earlier['at']}" if earlier.get("at") else ""
        return f"Data set already in {database_name(args)}: not seeded again (seeded{when}{took})."
    log(
        f"Seeding {wanted['initiatives']:,} initiatives, {wanted['challenges']:,} challenges, "
        f"{wanted['methods']:,} methods and {wanted['ideas']:,} ideas (bulk inserts)"
    )
    start = time.monotonic()
    # The demo content first (idempotent), then the synthetic data set, in bulk inserts.
    manage(args, "seed_demo", "--large", str(args.initiatives), "--ideas", str(args.ideas))
    inserted = time.monotonic() - start
    # Fresh GIN indexes hold long pending lists and the planner has no statistics yet;
    # autovacuum would see to both in production, but perhaps in the middle of a measurement.
    # The initiatives are compacted first: linking each batch to its departments and partners
    # had the triggers of initiatives/reach.py rewrite most of them (272 MB instead of 118),
    # which a table written over years, its space reused, would not be.
    with connect(args) as connection:
        connection.execute("VACUUM FULL initiatives_initiative")
        connection.execute("VACUUM ANALYZE")
    seconds = time.monotonic() - start
    STATE.mkdir(exist_ok=True)
    at = datetime.now().strftime("%Y-%m-%d %H:%M")
    record.write_text(json.dumps({"seconds": round(seconds), "at": at, **wanted}))
    return (
        f"Seeded {database_name(args)} in {seconds:.0f} s ({inserted:.0f} s of inserts, "
        f"{seconds - inserted:.0f} s of VACUUM) on {os.cpu_count()} cores."
    )


# In-process measurements (Django set up in this process, page cache off) --------------------


def setup_django(args) -> None:
    os.environ.update(bench_env(args, PAGE_CACHE_ENABLED="false"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import setup_test_environment
    from django.utils import translation

    setup_test_environment()  # the test Client's responses carry their context
    translation.activate("sv")


def key_pages() -> list[tuple[str, str]]:
    from django.urls import reverse

    from challenges.models import Challenge
    from initiatives.models import Initiative

    # Items of the large data set, so that their pages show what a large portfolio holds.
    challenge = (
        Challenge.objects.published().open().filter(slug__startswith="bench-").order_by("pk")
    ).first() or Challenge.objects.published().open().order_by("pk").first()
    initiative = (
        Initiative.objects.published().stopped().filter(slug__startswith="bench-").order_by("pk")
    ).first() or Initiative.objects.published().stopped().order_by("pk").first()
    return [
        ("home", reverse("home")),
        ("challenges, filtered", reverse("challenges:list") + "?status=open"),
        ("a challenge", challenge.get_absolute_url()),
        ("initiatives, stopped", reverse("initiatives:list") + "?stopped=yes"),
        ("an initiative", initiative.get_absolute_url()),
        ("lessons", reverse("lessons:list")),
        ("search", reverse("search:results") + "?q=cykel"),
        ("statistics", reverse("statistics:dashboard")),
        ("contribution form", reverse("contributions:create", args=[challenge.slug])),
        # The site's frame and a page of text, no query: how near a page can come at all.
        ("about (no query)", reverse("pages:about")),
    ]


# Ideas a second sent against one challenge while some cached pages are measured (a challenge
# shared in the local paper): an idea waiting for moderation is public on no other page.
BURST_IDEAS_PER_SECOND = 10
BURST_TITLE = "Bench: an idea of the burst"


def burst_pages() -> list[tuple[str, str]]:
    """Pages measured while ideas arrive for another challenge: three that show no waiting
    idea, and the statistics, which count them."""
    from challenges.models import Challenge

    pages = dict(key_pages())
    other = (
        Challenge.objects.published().open().filter(slug__startswith="bench-").order_by("-pk")
    ).first()
    return [
        (f"an initiative, {BURST_IDEAS_PER_SECOND} ideas/s arriving", pages["an initiative"]),
        (f"another challenge, {BURST_IDEAS_PER_SECOND} ideas/s arriving", other.get_absolute_url()),
        (f"search, {BURST_IDEAS_PER_SECOND} ideas/s arriving", pages["search"]),
        # Each arrival changes the statistics' figures of ideas (read from the tallies).
        (f"statistics, {BURST_IDEAS_PER_SECOND} ideas/s arriving", pages["statistics"]),
    ]


class Beside:
    """Ideas written from a thread of this process while pages are measured, one each
    `interval` seconds (`step`), as the site stores them (the page cache hears of each), until
    stopped; then its ideas (titled `title`) are deleted. `sent` counts the steps taken."""

    title = ""
    interval = 1.0

    def __init__(self):
        import threading

        from challenges.models import Challenge

        self.challenge = (
            Challenge.objects.published().open().filter(slug__startswith="bench-").order_by("pk")
        ).first()
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        from contributions.models import Contribution

        self._stop.set()
        self._thread.join()
        Contribution.objects.filter(title=self.title).delete()

    def idea(self, text: str):
        from contributions.models import Contribution, SubmitterKind

        return Contribution.objects.create(
            challenge=self.challenge,
            title=self.title,
            text=text,
            kind=SubmitterKind.RESIDENT,
            consent=True,
        )

    def step(self) -> bool:
        """One idea written; False when there is nothing more to do."""
        raise NotImplementedError

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(self.interval) and self.step():
                self.sent += 1
        finally:
            connection.close()


class IdeaBurst(Beside):
    """Ideas sent against one challenge at a steady rate, as the contribution form stores them."""

    title = BURST_TITLE
    interval = 1 / BURST_IDEAS_PER_SECOND

    def step(self) -> bool:
        self.idea("Sent while the pages are measured.")
        return True


# A moderator clearing the queue publishes an idea every few seconds. Each changes its own
# challenge's page (and that of the initiative it led to); the other item pages, measured here
# spread over many of them as visitors and search engines spread, stay cached.
MODERATION_SECONDS = 2
SPREAD_PAGES = 200
MODERATED_TITLE = "Bench: an idea moderated"


def spread_pages() -> list[tuple[str, list[str]]]:
    """Rows measured over many pages of one kind at once, while a moderator publishes ideas
    (for a challenge none of them is)."""
    from challenges.models import Challenge
    from initiatives.models import Initiative

    label = f"{SPREAD_PAGES} {{}}, an idea published every {MODERATION_SECONDS} s"
    initiatives = Initiative.objects.published().filter(slug__startswith="bench-").order_by("pk")
    challenges = (
        Challenge.objects.published().filter(slug__startswith="bench-").order_by("-pk")
    )  # the moderated challenge is the first
    return [
        (label.format("initiatives"), [i.get_absolute_url() for i in initiatives[:SPREAD_PAGES]]),
        (label.format("challenges"), [c.get_absolute_url() for c in challenges[:SPREAD_PAGES]]),
    ]


class Moderation(Beside):
    """A moderator publishing the ideas waiting for one challenge, one every
    MODERATION_SECONDS, as the admin does; `sent` counts the ideas published."""

    title = MODERATED_TITLE
    interval = MODERATION_SECONDS

    def __init__(self):
        from django.contrib.auth import get_user_model

        from contributions.models import Contribution

        super().__init__()
        Contribution.objects.filter(title=self.title).delete()
        self.waiting = [self.idea("Published while the pages are measured.") for _ in range(100)]
        self.moderator = get_user_model().objects.filter(is_superuser=True).first()

    def step(self) -> bool:
        from contributions import services

        if not self.waiting:
            return False
        services.contribution_publish(contribution=self.waiting.pop(), by=self.moderator)
        return True


def timed_requests(client, url: str, rounds: int) -> dict:
    """Wall and SQL time of `rounds` requests (after one to warm up), in milliseconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, HTTP_HOST="127.0.0.1")
    wall, sql, queries, status = [], [], 0, None
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            status = client.get(url, HTTP_HOST="127.0.0.1").status_code
            wall.append((time.perf_counter() - start) * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries = len(captured.captured_queries)
    return {
        "status": status,
        "median": statistics.median(wall),
        "p99": percentile(wall, 0.99),
        "max": max(wall),
        "sql": statistics.median(sql),
        "queries": queries,
    }


def statistics_timing(rounds: int) -> dict:
    """The dashboard page, its figures from the cache (as after the first visit)."""
    from django.test import Client
    from django.urls import reverse

    return timed_requests(Client(), reverse("statistics:dashboard"), rounds)


def statistics_afresh(rounds: int) -> dict[str, dict]:
    """Counting the dashboard's figures afresh, as after a change to what they count: all of
    them, those an idea arriving changes (from the tallies on PostgreSQL), those a decision on
    one does (the median time to a decision as well), and those a change to the portfolio
    does (the years and the portfolio's figures)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helsingborg_innovation import statistics as figures

    parts = {
        "all figures": (
            figures.first_portfolio_year,
            figures.first_idea_year,
            figures.portfolio,
            figures.participation,
            figures.decisions,
        ),
        "after an idea": (figures.participation,),
        "after a decision on an idea": (figures.participation, figures.decisions),
        "after a change to the portfolio": (figures.first_portfolio_year, figures.portfolio),
    }
    timings = {}
    for name, counts in parts.items():
        wall, sql, queries = [], [], 0
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                for count in counts:
                    count()
                wall.append((time.perf_counter() - start) * 1000)
            sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            queries = len(captured.captured_queries)
        timings[name] = {
            "status": 200,
            "median": statistics.median(wall),
            "p99": percentile(wall, 0.99),
            "max": max(wall),
            "sql": statistics.median(sql),
            "queries": queries,
        }
    return timings


def admin_timings(rounds: int) -> list[tuple[str, dict]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    from contributions.models import Contribution
    from initiatives.models import Initiative

    client = Client()
    client.force_login(user)
    # The page in the middle of each list, as far from either end as a page can be (50 rows a
    # page): the slowest to read (helsingborg_innovation.paging.FromEitherEndPaginator).
    ideas_middle = max(Contribution.objects.count() // 100, 1)
    initiatives_middle = max(Initiative.objects.count() // 100, 1)
    results = []
    for label, url in [
        ("idea queue", "/admin/contributions/contribution/"),
        ("idea queue, middle page", f"/admin/contributions/contribution/?p={ideas_middle}"),
        (
            "idea queue, newest first, middle page",
            f"/admin/contributions/contribution/?o=-7&p={ideas_middle}",
        ),
        ("idea queue, pending", "/admin/contributions/contribution/?status__exact=pending"),
        ("idea queue, search", "/admin/contributions/contribution/?q=cykel"),
        ("idea queue, a sender", "/admin/contributions/contribution/?q=Anna+Svensson"),
        ("initiatives", "/admin/initiatives/initiative/"),
        ("initiatives, middle page", f"/admin/initiatives/initiative/?p={initiatives_middle}"),
        ("initiatives, stopped", "/admin/initiatives/initiative/?phase__exact=stopped"),
        ("initiatives, search", "/admin/initiatives/initiative/?q=cykel"),
        ("challenges", "/admin/challenges/challenge/"),
        ("methods", "/admin/methods/method/"),
    ]:
        results.append((label, timed_requests(client, url, rounds)))
    return results


# The whole portfolio's files, asked for through gunicorn with the page cache on: the first
# download makes the file, the next ones are sent as it was kept (exportfiles.py).
KEPT_DOWNLOADS = ["/oppna-data/initiativ.csv", "/oppna-data/initiativ.json"]


def kept_downloads() -> list[dict]:
    """Each file in KEPT_DOWNLOADS downloaded three times in turn: seconds, size, and whether
    it was made or sent as kept (X-Open-Data-File)."""
    results = []
    for path in KEPT_DOWNLOADS:
        for attempt in range(1, 4):
            start = time.perf_counter()
            with urllib.request.urlopen(
                f"http://127.0.0.1:{PORTAL_PORT}{path}", timeout=600
            ) as file:
                size = sum(len(block) for block in iter(lambda: file.read(1 << 20), b""))
                kept = file.headers.get("X-Open-Data-File", "made")
            seconds = time.perf_counter() - start
            results.append(
                {"path": path, "attempt": attempt, "bytes": size, "seconds": seconds, "kept": kept}
            )
    return results


def export_memory(args) -> list[dict]:
    results = []
    for dataset in ("initiatives", "ideas", "challenges", "methods"):
        for fmt in ("csv", "json"):
            log(f"  export {dataset}.{fmt}")
            completed = subprocess.run(
                [PYTHON, str(ROOT / "tests/benchmarks/bench_export.py"), dataset, fmt],
                cwd=ROOT,
                env=bench_env(args),
                capture_output=True,
                text=True,
            )
            if completed.returncode:
                log(completed.stderr[-2000:])
                results.append({"dataset": dataset, "format": fmt, "error": True})
            else:
                results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


# Under gunicorn ------------------------------------------------------------------------------


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py and the same flags for every app."""

    def __init__(self, app: str, port: int, args, env: dict):
        self.port = port
        command = [
            str(BIN / "gunicorn"), app, "--config", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            # No recycling in the middle of a measurement (it would also reset the peak).
            "--max-requests", "0",
            "--access-logfile", "/dev/null",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        self.peak_mib = 0.0

    def sample_memory(self) -> float:
        """The largest peak resident memory (VmHWM) of the current workers, kept as the peak."""
        children = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "pid="], capture_output=True, text=True
        ).stdout.split()
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                self.peak_mib = max(self.peak_mib, int(match.group(1)) / 1024)
        return self.peak_mib

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def warm(url: str, requests: int = 20, budget: float = 15) -> str:
    """Warm the workers (and the cache); returns the X-Page-Cache header of the last answer."""
    header = ""
    deadline = time.monotonic() + budget
    for _ in range(requests):
        with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=budget) as page:
            page.read()
            header = page.headers.get("X-Page-Cache", "")
        if time.monotonic() > deadline:
            break
    return header


def wrk(url: str, args, duration: int | None = None, paths: list[str] | None = None) -> dict:
    """wrk against `url`, or against each of `paths` on its server in turn."""
    seconds = duration or args.duration
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{seconds}s", "--latency"]
    if paths:
        script = STATE / "paths.lua"
        script.parent.mkdir(exist_ok=True)
        # The requests are made once, up front: formatting each one in Lua cost wrk, on the
        # same two cores as the server, a tenth of the throughput.
        script.write_text(
            "local paths = {" + ",".join(json.dumps(path) for path in paths) + "}\n"
            "local requests, i = {}, 0\n"
            "init = function()\n"
            '  for n, path in ipairs(paths) do requests[n] = wrk.format("GET", path) end\n'
            "end\n"
            "request = function()\n"
            "  i = i % #requests + 1\n"
            "  return requests[i]\n"
            "end\n"
        )
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, "--timeout", "10s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    return {
        "rps": rps,
        "p50": _ms(p50.group(1)) if p50 else float("nan"),
        "p99": _ms(p99.group(1)) if p99 else float("nan"),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def page_aim(label: str, mode: str) -> tuple[str, float, float | None]:
    """(description, least ratio, greatest p99 in ms) of a page's aim."""
    if label in FORM_PAGES:
        return (f"≥ {FORM_RATIO}", FORM_RATIO, None)
    if mode == "cached":
        return (f"≥ {CACHED_RATIO}, p99 < {CACHED_P99_MS:.0f} ms", CACHED_RATIO, CACHED_P99_MS)
    if label in HEAVY_PAGES:
        return (f"≥ {HEAVY_RATIO}", HEAVY_RATIO, None)
    return (f"≥ {UNCACHED_RATIO}", UNCACHED_RATIO, None)


# The run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hbg_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--initiatives", type=int, default=100_000)
    parser.add_argument("--ideas", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument(
        "--reference-duration",
        type=int,
        default=5,
        help="seconds of wrk on the hello-world view before each page",
    )
    parser.add_argument("--search-rounds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="requests per in-process timing")
    parser.add_argument("--skip-seed", action="store_true", help="do not even check the data")
    parser.add_argument(
        "--seed-only",
        action="store_true",
        help="seed the data set (if not there yet) and stop: measure later, on a quiet machine",
    )
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--pages", help="only the key pages whose label contains this")
    parser.add_argument(
        "--web-only",
        action="store_true",
        help="only the pages under gunicorn (no search, statistics, admin or export timings)",
    )
    parser.add_argument(
        "--cache", choices=["both", "cached", "off"], default="both", help="which page modes"
    )
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    ensure_database(args)
    manage(args, "migrate", "--no-input", "-v", "0")
    manage(args, "collectstatic", "--no-input", "-v", "0")
    seeding = "Seeding skipped (--skip-seed)." if args.skip_seed else seed_once(args)
    log(seeding)
    if args.seed_only:
        return

    setup_django(args)
    from challenges.models import Challenge
    from contributions.models import Contribution
    from initiatives.models import Initiative
    from methods.models import Method
    from tests.benchmarks.bench_search import measure

    sizes = (
        f"{Initiative.objects.count():,} initiatives, {Challenge.objects.count():,} challenges, "
        f"{Method.objects.count():,} methods, {Contribution.objects.count():,} ideas"
    )
    pages = key_pages()
    if args.pages:
        pages = [(label, path) for label, path in pages if args.pages in label]

    search = afresh = dashboard = None
    admin, exports = [], []
    if not args.web_only:
        log("Search, database part (bench_search.py)")
        search = measure(args.search_rounds)
        log("Statistics dashboard, in-process")
        afresh = statistics_afresh(max(3, args.rounds // 3))
        dashboard = statistics_timing(args.rounds)
        log("Admin pages, in-process")
        admin = admin_timings(args.rounds)
    if not (args.skip_exports or args.web_only):
        log("Open-data exports of the whole data set, one process each")
        exports = export_memory(args)

    # The hello-world view is measured just before each page, and the page is compared with
    # that measurement: on a shared machine the load drifts over the minutes a run takes
    # (seen: 3,053 req/s at the start, 1,936 half an hour later; and within one run, an
    # initiative at 0.53 of a reference taken ninety seconds before it, 0.66 a minute later
    # while ideas arrived, which can only make it slower).
    env = bench_env(args, DJANGO_SETTINGS_MODULE="tests.benchmarks.hello.settings")
    hello = Gunicorn("tests.benchmarks.hello.wsgi", HELLO_PORT, args, env)
    wait_for(f"http://127.0.0.1:{HELLO_PORT}/")
    warm(f"http://127.0.0.1:{HELLO_PORT}/")

    def measured(label: str, mode: str, path, during=contextlib.nullcontext) -> dict:
        """The page (or the pages, a list of paths, in turn) after the hello-world view, each
        with wrk; `during` runs beside the page."""
        log(f"{label} ({mode}), after the hello-world view")
        paths = path if isinstance(path, list) else None
        url = f"http://127.0.0.1:{PORTAL_PORT}{paths[0] if paths else path}"
        if paths:
            for each in paths:  # each page once into the cache, then into every worker
                warm(f"http://127.0.0.1:{PORTAL_PORT}{each}", requests=args.workers * 2)
        cache = warm(url) or "-"
        reference = wrk(f"http://127.0.0.1:{HELLO_PORT}/", args, args.reference_duration)
        with during() as beside:
            result = wrk(url, args, paths=paths)
        result["cache"] = cache if mode == "cached" else "off"
        result["reference"] = reference
        result["beside"] = beside
        return result

    rows = []
    peak = {}
    downloads = []
    modes = [("cached", {}), ("cache off", {"PAGE_CACHE_ENABLED": "false"})]
    if args.cache != "both":
        modes = [modes[0] if args.cache == "cached" else modes[1]]
    for mode, extra in modes:
        env = bench_env(args, **extra)
        portal = Gunicorn("helsingborg_innovation.wsgi", PORTAL_PORT, args, env)
        wait_for(f"http://127.0.0.1:{PORTAL_PORT}/healthz")
        for label, path in pages:
            rows.append((label, mode, measured(label, mode, path)))
            portal.sample_memory()
        if mode == "cached":
            beside = [
                *((label, path, IdeaBurst, "ideas sent") for label, path in burst_pages()),
                *((label, paths, Moderation, "ideas published") for label, paths in spread_pages()),
            ]
            for label, path, during, done in beside:
                if args.pages and args.pages not in label:
                    continue
                result = measured(label, mode, path, during=during)
                result["cache"] = f"{result['beside'].sent} {done}"
                rows.append((label, mode, result))
            if not (args.skip_exports or args.web_only):
                log("Whole-portfolio downloads through gunicorn, made then kept")
                downloads = kept_downloads()
        peak[mode] = portal.sample_memory()
        portal.stop()
    hello_peak = hello.sample_memory()
    hello.stop()

    # The report ---------------------------------------------------------------------------
    out()
    out(
        f"## `make bench`, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
        f"load average {load_before:.1f} before the run (others' work on the machine)"
    )
    out()
    out(f"Data: {sizes} on PostgreSQL ({database_name(args)}); Redis cache.")
    out(seeding)
    out()
    out(
        f"### Pages under gunicorn ({args.workers} sync workers, the project's gunicorn.conf.py, "
        f"no worker recycling), wrk -t2 -c{args.connections} -d{args.duration}s"
    )
    out()
    out(
        "| page | cache | X-Page-Cache | req/s | p50 ms | p99 ms | hello-world req/s just before "
        "| ratio to hello-world | errors | aim | |"
    )
    out("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for label, mode, result in rows:
        ratio = result["rps"] / result["reference"]["rps"]
        aim, least, p99_limit = page_aim(label, mode)
        met = ratio >= least and (p99_limit is None or result["p99"] < p99_limit)
        met = met and not result["errors"]
        out(
            f"| {label} | {mode} | {result['cache']} | {result['rps']:.0f} | "
            f"{result['p50']:.1f} | {result['p99']:.1f} | {result['reference']['rps']:.0f} | "
            f"{ratio:.2f} | {result['errors']} | {aim} | {verdict(met)} |"
        )
    references = [result["reference"] for _label, _mode, result in rows]
    if references:
        out()
        out(
            f"The hello-world view, {args.reference_duration} s before each page: "
            f"{min(r['rps'] for r in references):,.0f}-{max(r['rps'] for r in references):,.0f} "
            f"req/s, p99 {min(r['p99'] for r in references):.1f}-"
            f"{max(r['p99'] for r in references):.1f} ms, "
            f"{sum(r['errors'] for r in references)} errors."
        )
    out()
    for mode, mib in peak.items():
        out(f"Peak memory of a portal worker ({mode}): {mib:.0f} MiB (VmHWM)")
    out(f"Peak memory of a hello-world worker: {hello_peak:.0f} MiB")

    if search is not None:
        report_in_process(args, sizes, search, rows, afresh, dashboard, admin)
    if exports:
        out()
        out("### Open-data exports of the whole data set (streamed; one process each)")
        out()
        out("| export | rows | MB | seconds | rows/s | RSS at start MiB | peak MiB | growth MiB |")
        out("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for e in exports:
            if e.get("error"):
                out(f"| {e['dataset']}.{e['format']} | failed | | | | | | |")
                continue
            out(
                f"| {e['dataset']}.{e['format']} | {e['rows']:,} | {e['bytes'] / 1e6:.1f} | "
                f"{e['seconds']:.1f} | {e['rows'] / max(e['seconds'], 0.001):,.0f} | "
                f"{e['baseline_mib']:.0f} | {e['peak_mib']:.0f} | "
                f"{e['peak_mib'] - e['baseline_mib']:.0f} |"
            )
    if downloads:
        out()
        out("### Whole-portfolio downloads through gunicorn, page cache on (made, then kept)")
        out()
        out("| file | download | MB | seconds | sent |")
        out("| --- | ---: | ---: | ---: | --- |")
        for d in downloads:
            out(
                f"| {d['path']} | {d['attempt']} | {d['bytes'] / 1e6:.1f} | {d['seconds']:.2f} | "
                f"{d['kept']} |"
            )
    out()
    out(f"The whole run took {(time.monotonic() - started) / 60:.1f} minutes.")

    STATE.mkdir(exist_ok=True)
    report = STATE / f"report-{datetime.now():%Y%m%d-%H%M%S}.md"
    report.write_text("\n".join(lines) + "\n")
    log(f"(This report is also in {report.relative_to(ROOT)}.)")


def report_in_process(args, sizes, search, rows, afresh, dashboard, admin) -> None:
    """Search, statistics and admin figures (left out with --web-only)."""
    from tests.benchmarks.bench_search import QUERIES

    out()
    initiatives = sizes.split(" initiatives")[0]
    out(f"### Search over {initiatives} initiatives, database part (bench_search.py)")
    out()
    out(
        f"{search['searches']} searches ({len(QUERIES)} queries × {args.search_rounds} rounds), "
        "each the ranked hits of every kind and the page's items with their passages."
    )
    out()
    out("| | median ms | p99 ms | aim | |")
    out("| --- | ---: | ---: | --- | --- |")
    out(
        f"| SQL (time PostgreSQL took) | {search['sql_median']:.1f} | {search['sql_p99']:.1f} | "
        f"median < {SEARCH_SQL_MEDIAN_MS:.0f} ms | "
        f"{verdict(search['sql_median'] < SEARCH_SQL_MEDIAN_MS)} |"
    )
    out(
        f"| wall time in Python (ORM included) | {search['wall_median']:.1f} | "
        f"{search['wall_p99']:.1f} | | |"
    )
    out()
    out("| query | SQL median ms | SQL p99 ms | wall median ms | hits |")
    out("| --- | ---: | ---: | ---: | ---: |")
    for query, figures in search["queries"].items():
        out(
            f"| `{query}` | {statistics.median(figures['sql']):.1f} | "
            f"{percentile(figures['sql'], 0.99):.1f} | {statistics.median(figures['wall']):.1f} | "
            f"{figures['hits']:,} |"
        )
    search_rows = [r for label, mode, r in rows if label == "search"]
    if search_rows:
        ratios = ", ".join(
            f"{mode} {r['rps'] / r['reference']['rps']:.2f}"
            for (label, mode, r) in rows
            if label == "search"
        )
        out()
        out(f"The search page's throughput as a ratio to the hello-world view: {ratios}.")

    out()
    out(f"### In-process timings with the page cache off (median of {args.rounds} requests)")
    out()
    out("| page | status | queries | SQL ms | median ms | p99 ms | aim | |")
    out("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for label, timing in [
        *((f"statistics: counted afresh, {name}", timing) for name, timing in afresh.items()),
        ("statistics dashboard, figures from the cache", dashboard),
    ]:
        met = timing["status"] == 200 and timing["median"] < STATISTICS_MS
        out(
            f"| {label} | {timing['status']} | {timing['queries']} | {timing['sql']:.0f} | "
            f"{timing['median']:.0f} | {timing['p99']:.0f} | < {STATISTICS_MS:.0f} ms | "
            f"{verdict(met)} |"
        )
    for label, timing in admin:
        met = timing["status"] == 200 and timing["max"] < ADMIN_MS
        out(
            f"| admin: {label} | {timing['status']} | {timing['queries']} | "
            f"{timing['sql']:.0f} | {timing['median']:.0f} | {timing['p99']:.0f} | "
            f"< {ADMIN_MS:.0f} ms | {verdict(met)} |"
        )


if __name__ == "__main__":
    main()
