"""The database part of search over the large data set: median and 99th percentile.

Not a test; `make bench` runs it too (see run_bench.py). On its own, seed first
(`manage.py seed_demo --large 100000 --ideas 500000` on PostgreSQL), then run from the
project root:

    DATABASE_URL=postgres://... .venv/bin/python tests/benchmarks/bench_search.py [--rounds 30]

Each round runs every query of the list the way the search page does for a query whose ranking
it has not kept (the ranked hits of every kind, then the page's items with their highlighted
passages) and times it; the page's
throughput against a hello-world view is measured by run_bench.py ("search").
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helsingborg_innovation.settings")

QUERIES = [
    "cykel",
    "cyklar",
    "cyckel",
    "skolans",
    "digital tjänst",
    "energi hamnen",
    '"lärdomar från"',
    "trygghet",
    "vatten",
    "äldreomsorg",
    "xyzzy",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(rounds: int = 30) -> dict:
    """Time every query of the list `rounds` times, the way the search page runs it (Django set
    up). Returns, per query and over all of them, the wall time in Python (ORM included) and the
    time PostgreSQL took (the sum of the page's SQL), in milliseconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helsingborg_innovation.search_views import _hits, rank_everything

    for query in QUERIES:  # warm the caches
        rank_everything(query)
    timings: dict[str, list[float]] = {query: [] for query in QUERIES}
    sql_timings: dict[str, list[float]] = {query: [] for query in QUERIES}
    for _ in range(rounds):
        for query in QUERIES:
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                ranked, totals, _more = rank_everything(query)
                _hits(ranked[:20], query)
                timings[query].append((time.perf_counter() - start) * 1000)
            sql_timings[query].append(
                sum(float(q["time"]) for q in captured.captured_queries) * 1000
            )
    per_query = {}
    for query in QUERIES:
        _ranked, totals, _more = rank_everything(query)
        per_query[query] = {
            "wall": timings[query],
            "sql": sql_timings[query],
            "hits": sum(totals.values()),
        }
    every_wall = [value for values in timings.values() for value in values]
    every_sql = [value for values in sql_timings.values() for value in values]
    return {
        "queries": per_query,
        "wall_median": statistics.median(every_wall),
        "wall_p99": percentile(every_wall, 0.99),
        "sql_median": statistics.median(every_sql),
        "sql_p99": percentile(every_sql, 0.99),
        "searches": len(every_wall),
    }


def vacuum_analyze() -> None:
    """Right after seeding, the GIN indexes hold long pending lists and the planner has no
    statistics; autovacuum would see to both in production."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM ANALYZE")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from initiatives.models import Initiative

    print(f"database: {connection.vendor}, initiatives: {Initiative.objects.count()}")
    if not args.no_vacuum:
        vacuum_analyze()
    result = measure(args.rounds)
    print("per search: wall time in Python (ORM included) | time PostgreSQL took (sum of SQL)")
    for query, figures in result["queries"].items():
        wall, sql = figures["wall"], figures["sql"]
        print(
            f"{query!r:>20}: median {statistics.median(wall):6.1f} ms, "
            f"p99 {percentile(wall, 0.99):6.1f} ms | SQL median {statistics.median(sql):6.1f} ms,"
            f" p99 {percentile(sql, 0.99):6.1f} ms | hits {figures['hits']}"
        )
    for label in ("wall", "sql"):
        print(
            f"all queries, {label}: median {result[label + '_median']:.1f} ms, "
            f"p99 {result[label + '_p99']:.1f} ms over {result['searches']} searches"
        )


if __name__ == "__main__":
    main()
