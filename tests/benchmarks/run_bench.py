"""`make bench`: throughput and latency of the key pages against a hello-world Django view.

Seeds the large data set on PostgreSQL once (idempotent), starts the portal and the reference
project under gunicorn with the same settings, and measures each page with wrk, cached and with
the page cache off, in one run so that the ratios compare like with like. Also times the admin's
heaviest pages in-process and reads the peak memory of the portal's workers.

Run from the project root: `.venv/bin/python tests/benchmarks/run_bench.py --help`.
"""

import argparse
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def log(message: str) -> None:
    print(message, flush=True)


def bench_env(args, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="benchmark-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT="2525",
        CONTRIBUTION_RATE_LIMIT="1000000/h",
    )
    env.update(extra)
    return env


def manage(args, *command: str) -> None:
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=bench_env(args), check=True)


def ensure_database(args) -> None:
    name = args.database_url.rsplit("/", 1)[-1]
    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = connection.execute(query, [name]).fetchone()
        if not exists:
            log(f"Creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def wait_for(url: str, timeout: float = 30) -> None:
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
    def __init__(self, app: str, port: int, args, env: dict):
        self.port = port
        command = [
            str(BIN / "gunicorn"), app, "--config", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--access-logfile", "/dev/null",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    def worker_peak_memory_mib(self) -> float:
        children = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "pid="], capture_output=True, text=True
        ).stdout.split()
        peaks = []
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks, default=0.0)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def wrk(url: str, args) -> dict:
    for _ in range(20):  # warm the workers and the cache
        with contextlib.suppress(Exception):
            urllib.request.urlopen(url, timeout=10).read()
    output = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def key_pages(args) -> list[tuple[str, str]]:
    os.environ.update(bench_env(args))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helsingborg_innovation.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import translation

    from challenges.models import Challenge
    from initiatives.models import Initiative

    translation.activate("sv")
    challenge = Challenge.objects.published().open().order_by("pk").first()
    initiative = Initiative.objects.published().stopped().order_by("pk").first()
    pages = [
        ("home", reverse("home")),
        ("challenges, filtered", reverse("challenges:list") + "?status=open"),
        ("a challenge", challenge.get_absolute_url()),
        ("initiatives, stopped", reverse("initiatives:list") + "?phase=stopped"),
        ("an initiative", initiative.get_absolute_url()),
        ("lessons", reverse("lessons:list")),
    ]
    for label, name, query in [
        ("search", "search", "?q=cykel"),
        ("statistics", "statistics", ""),
    ]:
        try:
            pages.append((label, reverse(name) + query))
        except Exception:
            log(f"(no {label} page to measure)")
    try:
        pages.append(("contribution form", reverse("contributions:create", args=[challenge.slug])))
    except Exception:
        log("(no contribution form to measure)")
    return pages


def admin_timings(args) -> list[tuple[str, float]]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    results = []
    for label, url in [
        ("admin: initiatives", "/admin/initiatives/initiative/"),
        ("admin: initiatives, search", "/admin/initiatives/initiative/?q=cykel"),
        ("admin: challenges", "/admin/challenges/challenge/"),
        ("admin: idea queue", "/admin/contributions/contribution/"),
    ]:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            status = client.get(url, HTTP_HOST="127.0.0.1", secure=True).status_code
            times.append((time.perf_counter() - start) * 1000)
        if status == 200:
            results.append((label, statistics.median(times)))
        else:
            log(f"({label}: status {status})")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hbg_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--initiatives", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    ensure_database(args)
    manage(args, "migrate", "--no-input", "-v", "0")
    manage(args, "collectstatic", "--no-input", "-v", "0")
    if not args.skip_seed:
        manage(args, "seed_demo")
        manage(args, "seed_demo", "--large", str(args.initiatives))

    pages = key_pages(args)
    rows = []
    hello = Gunicorn("tests.benchmarks.hello.wsgi", 8102, args, bench_env(args))
    wait_for("http://127.0.0.1:8102/")
    reference = wrk("http://127.0.0.1:8102/", args)
    hello.stop()
    rows.append(("hello-world view", "", reference))

    peak = {}
    for mode, extra in [("cached", {}), ("cache off", {"PAGE_CACHE_ENABLED": "false"})]:
        portal = Gunicorn("helsingborg_innovation.wsgi", 8101, args, bench_env(args, **extra))
        wait_for("http://127.0.0.1:8101/healthz")
        for label, path in pages:
            rows.append((label, mode, wrk(f"http://127.0.0.1:8101{path}", args)))
        peak[mode] = portal.worker_peak_memory_mib()
        portal.stop()

    admin = admin_timings(args)

    log("")
    log(f"Measured {date.today().isoformat()} on {os.cpu_count()} cores; wrk -t2 "
        f"-c{args.connections} -d{args.duration}s; gunicorn {args.workers} sync workers; "
        f"{args.initiatives:,} initiatives on PostgreSQL, Redis cache.")  # fmt: skip
    log("")
    log("| page | cache | req/s | p50 ms | p99 ms | ratio to hello-world | non-2xx |")
    log("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for label, mode, result in rows:
        ratio = result["rps"] / reference["rps"]
        log(f"| {label} | {mode} | {result['rps']:.0f} | {result['p50']:.1f} | "
            f"{result['p99']:.1f} | {ratio:.2f} | {result['errors']} |")  # fmt: skip
    log("")
    for mode, mib in peak.items():
        log(f"Peak memory of a portal worker ({mode}): {mib:.0f} MiB")
    log("")
    log("| admin page (in-process, median of 5) | ms |")
    log("| --- | ---: |")
    for label, ms in admin:
        log(f"| {label} | {ms:.0f} |")


if __name__ == "__main__":
    main()
