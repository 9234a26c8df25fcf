"""`make loadtest`: 64 people send ideas for a minute; then again with PostgreSQL restarted.

The full version of tests/production/test_load.py, with the same load generator and checks
(tests/production/contribution_load.py): senders on loopback, each with a cookie jar of its own,
against gunicorn nodes on a database of its own, with the mail server down. The second run
restarts the local PostgreSQL cluster in the middle (`pg_ctlcluster ... main restart`, so run
it as root or postgres, and not while others need the server), or with `--outage proxy` cuts
only the nodes' connection to it. Prints the figures of both runs and what went wrong, if
anything; the exit status is 1 when something did.

Run from the project root: `.venv/bin/python tests/benchmarks/load_contributions.py --help`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.production.conftest import Node  # noqa: E402
from tests.production.contribution_load import (  # noqa: E402
    LOAD_ENV,
    RECOVERY_LIMIT,
    Outage,
    closed_port,
    figures,
    mail_down_env,
    problems,
    proxied,
    run_load,
    table,
)

PREFIX = "lasttest-"


def log(message: str) -> None:
    print(message, flush=True)


def base_env(args, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CACHE_KEY_PREFIX=f"loadtest-{uuid.uuid4().hex[:8]}",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="loadtest-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1:8000",
        DJANGO_DEFAULT_FROM_EMAIL="innovation@localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_STATIC_ROOT=static_root,
        **LOAD_ENV,
    )
    return env


def prepare_database(args, env: dict) -> None:
    import psycopg

    name = args.database_url.rsplit("/", 1)[-1]
    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            log(f"Creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["collectstatic", "--no-input", "-v", "0"],
    ):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helsingborg_innovation.settings")
    import django

    django.setup()


def new_challenge(label: str):
    """A fresh open challenge per run, whose ideas mail the sender, a contact and a moderator."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from challenges.models import Challenge
    from helsingborg_innovation import roles
    from helsingborg_innovation.models import ContactPerson, Department

    department, _ = Department.objects.get_or_create(
        slug=f"{PREFIX}forvaltning", defaults={"name": "Lasttestförvaltningen"}
    )
    contact, _ = ContactPerson.objects.get_or_create(
        name="Lasttest Kontakt", defaults={"role": "Innovationsledare", "email": "k@example.org"}
    )
    moderator, _ = get_user_model().objects.get_or_create(
        username=f"{PREFIX}moderator", defaults={"email": "m@example.org", "is_staff": True}
    )
    moderator.groups.add(Group.objects.get_or_create(name=roles.MODERATORS)[0])
    slug = f"{PREFIX}{label}-{uuid.uuid4().hex[:6]}"
    return Challenge.objects.create(
        title=f"Lasttest {label}",
        slug=slug,
        summary="Utmaning för lasttestet.",
        body="Skicka idéer.",
        status="published",
        publish_at=timezone.now() - timedelta(days=1),
        owner_department=department,
        contact=contact,
    )


def remove_earlier_runs() -> None:
    from challenges.models import Challenge
    from contributions.models import Contribution

    Contribution.objects.filter(challenge__slug__startswith=PREFIX).delete()
    Challenge.objects.filter(slug__startswith=PREFIX).delete()


def stored_ideas(challenge) -> dict[str, list[str]]:
    from django.db import connection

    from contributions.models import Contribution

    connection.close()  # the database may have been restarted under this process too
    stored = defaultdict(list)
    ideas = Contribution.objects.filter(challenge=challenge).values_list("title", "token")
    for title, token in ideas:
        stored[title].append(token)
    return dict(stored)


def restart_postgresql() -> None:
    (version,) = os.listdir("/etc/postgresql")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )
    deadline = time.monotonic() + 60
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not come back within 60 s")
        time.sleep(0.1)


def one_run(args, env: dict, label: str, outage_kind: str | None):
    challenge = new_challenge(label)
    proxy = None
    outage = None
    node_env = dict(env)
    if outage_kind == "proxy":
        proxy, node_env["DATABASE_URL"] = proxied(args.database_url)
        outage = Outage.proxy_cut(proxy, at=args.outage_at, length=args.proxy_seconds)
    elif outage_kind == "restart":
        outage = Outage(args.outage_at, restart_postgresql, "PostgreSQL restarted")
    nodes = []
    try:
        with closed_port() as mail_port:
            node_env.update(mail_down_env(mail_port))
            nodes = [Node(node_env) for _ in range(args.nodes)]
            log(f"{label}: {args.senders} senders for {args.seconds} s on {args.nodes} node(s)")
            run = run_load(
                [node.url for node in nodes],
                f"/utmaningar/{challenge.slug}/bidra/",
                senders=args.senders,
                duration=args.seconds,
                max_ideas=args.max_ideas,
                prefix=f"Lasttest {label}",
                outage=outage,
            )
    finally:
        for node in nodes:
            node.stop()
        if proxy is not None:
            proxy.cut()
    stored = stored_ideas(challenge)
    found = problems(run, stored)
    for node in nodes:
        if found:
            log(f"--- the log of the node at {node.url} is kept in {node.log.name}")
        else:
            os.unlink(node.log.name)
    return figures(run, stored), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hbg_loadtest")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--nodes", type=int, default=2, help="gunicorn nodes of one worker each")
    parser.add_argument("--max-ideas", type=int, default=200_000, help="a bound on the ideas")
    parser.add_argument("--outage", choices=["restart", "proxy", "none"], default="restart")
    parser.add_argument("--outage-at", type=float, default=None, help="default: half way")
    parser.add_argument("--proxy-seconds", type=float, default=5, help="with --outage proxy")
    args = parser.parse_args()
    if args.outage_at is None:
        args.outage_at = args.seconds / 2
    proxy_seconds = args.proxy_seconds if args.outage == "proxy" else 0
    if args.outage != "none" and args.outage_at + proxy_seconds + RECOVERY_LIMIT + 5 > args.seconds:
        parser.error("the outage must leave time to recover before the run ends")

    with tempfile.TemporaryDirectory(prefix="loadtest-static-") as static_root:
        env = base_env(args, static_root)
        prepare_database(args, env)
        setup_django(env)
        remove_earlier_runs()
        runs = [("steady", None)]
        if args.outage != "none":
            runs.append((f"{args.outage}", args.outage))
        columns, failures = {}, {}
        for label, outage_kind in runs:
            columns[label], failures[label] = one_run(args, env, label, outage_kind)

    log("")
    log(f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores; mail server down.")
    log(table(columns))
    log("")
    for label, found in failures.items():
        for problem in found:
            log(f"FAILED ({label}): {problem}")
    if any(failures.values()):
        sys.exit(1)
    log("No server errors, every acknowledged idea stored exactly once, recovery within "
        f"{RECOVERY_LIMIT:g} s.")  # fmt: skip


if __name__ == "__main__":
    main()
