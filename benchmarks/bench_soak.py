"""Soak (issue 11): the web process at half its capacity for ten minutes, errors and memory.

    .venv/bin/python -m benchmarks.bench_soak [--scale S] [--database DB] [--duration SECONDS]

On the web benchmarks' database (benchmarks/webstack.py), gunicorn with 2 workers and
production settings serves a mix of public pages — those of bench_pages (home, directory
first and last page, member, pledge, assessment periods, "why this score") and, for one
request in four, a cooperative's overview, its charter or a member's spot-check record:

1. its capacity on that mix is measured (8 clients back to back, after a warm-up);
2. a load generator on loopback then sends the mix at half that rate, open loop, for
   ``--duration`` seconds (600 at scale 1; 60 at smaller scales, e.g. ``make bench
   SCALE=small``), while the resident memory (VmRSS) of each gunicorn worker is sampled
   every few seconds.

Targets: no error (every answer a 200, no worker restarted) and the workers' memory in the
last minute less than 10% above the first minute (windows of a fifth of the run when it is
shorter than five minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

from benchmarks import loadgen, webstack

TARGET_GROWTH = 0.10
CLIENTS = 8
SAMPLE_EVERY = 5.0


def mix(site: webstack.Site) -> list[loadgen.Request]:
    """bench_pages' pages, and every fourth request one of the further pages, in turn."""
    fixed, records = site.more_pages[:2], site.more_pages[2:]
    extras = [request for record in records for request in (fixed[0], record, fixed[1], record)]
    requests: list[loadgen.Request] = []
    for number, page in enumerate(site.pages):
        requests.append(page)
        if number % 3 == 2:
            requests.append(extras[(number // 3) % len(extras)])
    return requests


async def soak(
    server: webstack.Gunicorn, requests: list[loadgen.Request], duration: float
) -> tuple[float, loadgen.Run, list[tuple[float, dict[int, float]]]]:
    client = loadgen.Client("127.0.0.1", server.port)
    await loadgen.closed_loop(client, requests[:80], 4, 4.0, warmup=0.0)
    capacity = (await loadgen.closed_loop(client, requests, CLIENTS, 10.0)).throughput()
    rate = capacity / 2
    print(f"capacity on the mix: {capacity:.1f} requests a second; soaking at {rate:.1f}/s")
    memory: list[tuple[float, dict[int, float]]] = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def sample_memory() -> None:
        while True:
            memory.append((loop.time() - start, server.worker_rss_mb()))
            await asyncio.sleep(SAMPLE_EVERY)

    sampler = asyncio.create_task(sample_memory())
    run = await loadgen.open_loop(loadgen.one_request(client, requests), rate, duration)
    memory.append((loop.time() - start, server.worker_rss_mb()))
    sampler.cancel()
    return capacity, run, memory


def growth(
    memory: list[tuple[float, dict[int, float]]], duration: float
) -> tuple[float, float, float]:
    """Mean RSS of the workers together in the first and last window, and the growth."""
    window = 60.0 if duration >= 300 else duration / 5
    first = [sum(sizes.values()) for at, sizes in memory if at <= window]
    last = [sum(sizes.values()) for at, sizes in memory if at >= duration - window]
    before, after = statistics.mean(first), statistics.mean(last)
    return before, after, (after - before) / before


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="an existing database instead of the dataset's copy")
    parser.add_argument("--duration", type=float, help="seconds (600; 60 below scale 1)")
    args = parser.parse_args()
    duration = args.duration or (600.0 if args.scale >= 1.0 else 60.0)

    database = webstack.prepared_database(args.scale, args.database)
    redis_url = webstack.redis_url()
    with webstack.workdir() as directory:
        webstack.setup_django(database, Path(directory) / "media")
        webstack.prepare_site()
        site = webstack.site()
        from django.db import connections

        connections.close_all()
        requests = mix(site)
        with webstack.Gunicorn(database, redis_url, Path(directory)) as server:
            workers_before = server.children()
            capacity, run, memory = asyncio.run(soak(server, requests, duration))
            workers_after = server.children()
    print("\n".join(loadgen.describe(run, title=f"soak of {duration:.0f} s")))
    before, after, grew = growth(memory, duration)
    for at, sizes in memory[:: max(1, len(memory) // 12)]:
        print(f"    {at:6.0f} s: " + ", ".join(f"{size:.1f} MB" for size in sizes.values()))
    restarted = workers_before != workers_after
    print(
        f"workers {workers_before} → {workers_after}; RSS of the workers together "
        f"{before:.1f} MB at first, {after:.1f} MB at last ({grew:+.1%})"
    )
    errors = len(run.errors())
    webstack.bench(
        f"soak {duration:.0f} s at half capacity ({capacity / 2:.0f} req/s): errors",
        errors,
        "errors",
        None,
        "0, no worker restarted",
        errors == 0 and not restarted,
    )
    # The memory of the last window against that of the first as its floor: the ratio is
    # the growth.
    webstack.bench(
        f"soak {duration:.0f} s: gunicorn workers' RSS, last window (floor: first window)",
        after,
        "MB",
        round(before, 1),
        f"< {1 + TARGET_GROWTH:.2f} × floor",
        grew < TARGET_GROWTH,
    )


if __name__ == "__main__":
    main()
