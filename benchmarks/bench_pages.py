"""Public pages under load, served by gunicorn as in production, against a trivial view.

    .venv/bin/python -m benchmarks.bench_pages [--scale S] [--database DB] [--rate 100]
                                               [--seconds N] [--saturation-seconds N]

On the reference dataset (benchmarks/webstack.py: a copy of benchmarks/dataset.py's
database with a published assessment), gunicorn with 2 workers (the command of
coop_portal/processes.py, DEBUG off) serves the public pages of issue 10 — home, the member
directory's first and last page, a member page, a pledge page, the assessment period list and
a "why this score" page, in turn, for members drawn with a fixed seed — to a load generator on
loopback (benchmarks/loadgen.py):

- at a fixed rate (open loop, 100 requests a second by default): p50, p95 and p99 of the
  latency, counted from when each request was due. Target: p95 ≤ 100 ms, no error;
- at saturation (8 clients sending back to back): the pages' throughput, and as its floor
  the throughput of a trivial Django view (benchmarks/urls.py: the same middleware, no query,
  no template) on the same server. Target: at least 0.35 × the trivial view's.

The generator runs on the same machine and takes CPU from the server at saturation (its CPU
time is printed); both throughputs pay that, the trivial view's more.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from pathlib import Path

from benchmarks import loadgen, webstack

TARGET_P95_MS = 100.0
TARGET_RATIO = 0.35
CLIENTS = 8


async def measure(
    site: webstack.Site, server: webstack.Gunicorn, rate: float, seconds: float, saturation: float
) -> tuple[dict[str, loadgen.Run], dict[str, float]]:
    """The runs, and the workers' CPU time per request of each saturation run (ms)."""
    client = loadgen.Client("127.0.0.1", server.port)
    runs, cpu = {}, {}
    # Warm both workers up (templates, translations, database connections); not counted.
    runs["warm-up"] = await loadgen.closed_loop(
        client, [*site.pages[:70], site.trivial], 4, 4.0, warmup=0.0
    )
    # Saturation first: an overloaded fixed-rate run would leave a queue behind it.
    for title, requests in (
        ("trivial view at saturation", [site.trivial]),
        ("pages at saturation", site.pages),
    ):
        before = server.cpu_seconds()
        runs[title] = await loadgen.closed_loop(client, requests, CLIENTS, saturation)
        # The warm-up seconds of the run are in the CPU time too.
        served = runs[title].throughput() * (saturation + 2.0)
        cpu[title] = (server.cpu_seconds() - before) * 1000 / served if served else math.nan
    runs["fixed rate"] = await loadgen.open_loop(
        loadgen.one_request(client, site.pages), rate, seconds
    )
    return runs, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="an existing database instead of the dataset's copy")
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second")
    parser.add_argument("--seconds", type=float, help="of the fixed-rate run (60; 20 if small)")
    parser.add_argument("--saturation-seconds", type=float, help="of each saturation run")
    args = parser.parse_args()
    full = args.scale >= 1.0
    seconds = args.seconds or (60.0 if full else 20.0)
    saturation = args.saturation_seconds or (20.0 if full else 10.0)

    database = webstack.prepared_database(args.scale, args.database)
    redis_url = webstack.redis_url()
    with webstack.workdir() as directory:
        webstack.setup_django(database, Path(directory) / "media")
        webstack.prepare_site()
        site = webstack.site()
        from django.db import connections

        connections.close_all()
        print(f"database {database}: {site.describe()}")
        with webstack.Gunicorn(database, redis_url, Path(directory)) as server:
            runs, cpu = asyncio.run(measure(site, server, args.rate, seconds, saturation))
            workers = len(server.children())
    for title, run in runs.items():
        print("\n".join(loadgen.describe(run, title=title)))

    fixed = runs["fixed rate"]
    summary = loadgen.latency_summary(fixed.samples)
    errors = len(fixed.errors())
    rate = f"{args.rate:g} req/s"
    webstack.bench(f"public pages at {rate}: p50", summary["p50"], "ms", None, "—", errors == 0)
    webstack.bench(
        f"public pages at {rate}: p95",
        summary["p95"],
        "ms",
        None,
        f"≤ {TARGET_P95_MS:.0f} ms, no error",
        summary["p95"] <= TARGET_P95_MS and errors == 0,
    )
    webstack.bench(f"public pages at {rate}: p99", summary["p99"], "ms", None, "—", errors == 0)
    trivial = runs["trivial view at saturation"].throughput()
    pages = runs["pages at saturation"]
    saturation_errors = len(pages.errors()) + len(runs["trivial view at saturation"].errors())
    webstack.bench(
        f"public pages at saturation ({workers} gunicorn workers; floor: trivial view)",
        pages.throughput(),
        "req/s",
        round(trivial, 1),
        f"≥ {TARGET_RATIO} × floor",
        trivial > 0 and pages.throughput() >= TARGET_RATIO * trivial and saturation_errors == 0,
    )
    # What a request costs the workers, whatever else the machine runs: on a machine of its
    # own the throughput ratio tends to the inverse of this one.
    print(
        f"gunicorn workers' CPU per request: pages {cpu['pages at saturation']:.1f} ms, "
        f"trivial view {cpu['trivial view at saturation']:.2f} ms"
    )
    webstack.bench(
        "public pages: gunicorn workers' CPU per request (floor: trivial view)",
        cpu["pages at saturation"],
        "ms",
        round(cpu["trivial view at saturation"], 3),
        "—",
        True,
    )


if __name__ == "__main__":
    main()
