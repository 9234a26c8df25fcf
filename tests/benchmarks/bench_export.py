"""Peak memory and time of one open-data export of the whole published data set.

Not a test. Run from the project root against a seeded database, one export per process so
that the process's peak resident memory belongs to that export alone:

    DATABASE_URL=postgres://... .venv/bin/python tests/benchmarks/bench_export.py initiatives csv

Prints one JSON object: rows, bytes, seconds, the resident memory after start-up, and the peak
resident memory of the process (VmHWM) once the whole streamed response has been read.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helsingborg_innovation.settings")


def _status_mib(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["challenges", "initiatives", "methods", "ideas"])
    parser.add_argument("format", choices=["csv", "json"])
    args = parser.parse_args()

    import dataclasses

    import django

    django.setup()
    from django.test import RequestFactory
    from django.utils import translation

    from helsingborg_innovation import opendata

    translation.activate("sv")
    dataset = opendata.DATASETS[args.dataset]
    counted = 0

    def row(item, request):
        nonlocal counted
        counted += 1
        return dataset.row(item, request)

    opendata.DATASETS[args.dataset] = dataclasses.replace(dataset, row=row)
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    # Everything the export needs is imported and connected: what grows from here is the export.
    dataset.rows(request, {})[0].exists()
    baseline = _status_mib("VmRSS")
    start = time.perf_counter()
    response = opendata.export(request, dataset=args.dataset, fmt=args.format)
    if response.status_code != 200:
        raise SystemExit(f"The export answered {response.status_code}: {response.content!r}")
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()  # as a server does once the file is sent: its slot is free again
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "format": args.format,
                "rows": counted,
                "bytes": size,
                "seconds": round(seconds, 2),
                "baseline_mib": round(baseline, 1),
                "peak_mib": round(_status_mib("VmHWM"), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
