"""The public notice of the largest cooperative drawn as a PDF: its time and peak memory.

    .venv/bin/python -m benchmarks.bench_notice [--scale S]

On a copy of the web benchmarks' database (``coop_bench_notice_<scale>``, kept while the
dataset it comes from stays the same) in which the period of the largest cooperative (70,000
members at scale 1) is assessed and published once, as a regulator would, the period's public
notice is drawn through ``pledges.assessment.pdf.render_notice`` — what the Celery worker
draws at publication — in Chinese, in a new process of its own: the time is the drawing's,
the memory the process's peak (VmHWM), Django, the fonts and the first drawing's loading
included, as in a worker.

Such a notice does not print its 70,000 rows (2,300 pages, about seven minutes of a worker):
it points to the full list (pdf.NOTICE_ROSTER_LIMIT). The longest list a notice does print is
drawn too, the first NOTICE_ROSTER_LIMIT results of the same run, so the figure guards both
the bound on the worker's time and the drawing in parts that bounds its memory.

Targets (issue 22): ≤ 60 s and ≤ 500 MB each.
"""

from __future__ import annotations

import argparse
import fcntl
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import webstack

TARGET_SECONDS = 60.0
TARGET_MEGABYTES = 500.0


def notice_database_name(scale: float) -> str:
    return webstack.web_database_name(scale).replace("_web_", "_notice_")


def prepared_database(scale: float) -> str:
    """A copy of the web benchmarks' database, remade when the dataset changed."""
    from benchmarks.dataset import describe

    source = webstack.prepared_database(scale)
    target = notice_database_name(scale)
    with Path(f"/tmp/{target}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if describe(target) is None or describe(target) != describe(source):
            subprocess.run(["dropdb", *webstack.PSQL, "--if-exists", "--force", target], check=True)
            subprocess.run(["createdb", *webstack.PSQL, "--template", source, target], check=True)
    return target


def largest_run() -> Any:
    """The published run of the largest cooperative's period, assessed and published once."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from benchmarks.dataset import describe
    from members.models import Cooperative
    from pledges.assessment import published

    largest = Cooperative.objects.annotate(size=Count("members")).order_by("-size", "slug")[0]
    runs = published.current_runs().filter(period__cooperative=largest)
    if not runs.exists():
        description = describe(connection.settings_dict["NAME"])
        assert description is not None
        started = time.perf_counter()
        call_command("assess", cooperative=largest.slug, period=description["period"], publish=True)
        print(f"largest cooperative's period published in {time.perf_counter() - started:.1f} s")
    return runs.select_related("period__cooperative", "charter_version").get()


def _status_megabytes(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def drawn_in_a_worker(database: str, run_id: int, first: int | None = None) -> dict[str, Any]:
    """Draw the notice in a new process, as a worker would: its seconds, bytes and pages, and
    the process's peak resident memory (VmHWM), Django and the fonts included."""
    command = [sys.executable, "-m", "benchmarks.bench_notice", "--database", database]
    command += ["--draw", str(run_id)] + ([] if first is None else ["--first", str(first)])
    answer = subprocess.run(command, capture_output=True, text=True, check=False)
    if answer.returncode != 0:
        raise SystemExit(f"the drawing process failed:\n{answer.stderr}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def draw(run_id: int, first: int | None) -> dict[str, Any]:
    """In the drawing process: the run's notice in Chinese; with ``first``, drawn as if the
    run's results were only its first ``first`` members, whose list the notice then prints."""
    from pypdf import PdfReader

    from pledges.assessment import pdf, published
    from pledges.models import AssessmentRun

    run = AssessmentRun.objects.select_related("period__cooperative").get(pk=run_id)
    if first is not None:
        every = published.results_of
        chosen = list(
            every(run)
            .order_by("member__name", "member__credit_code", "pk")
            .values_list("pk", flat=True)[:first]
        )
        counts = {**published.grade_counts(run), "total": len(chosen)}
        published.results_of = lambda run: every(run).filter(pk__in=chosen)  # type: ignore
        published.grade_counts = lambda run: counts  # type: ignore
    started = time.perf_counter()
    content = pdf.render_notice(run, "zh-hans")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": _status_megabytes("VmHWM"),
        "bytes": len(content),
        "pages": len(PdfReader(io.BytesIO(content)).pages),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--draw", type=int, help=argparse.SUPPRESS)  # a run's id: the child
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.draw is not None:
        with webstack.workdir() as directory:
            webstack.setup_django(args.database, Path(directory) / "media")
            print(json.dumps(draw(args.draw, args.first)))
        return
    database = prepared_database(args.scale)
    with webstack.workdir() as directory:
        webstack.setup_django(database, Path(directory) / "media")
        webstack.prepare_site()
        from pledges.assessment import pdf, published

        run = largest_run()
        members = published.grade_counts(run)["total"]
        rows = pdf.NOTICE_ROSTER_LIMIT
        report(
            f"public notice of the largest cooperative ({members:,} members)",
            drawn_in_a_worker(database, run.pk),
        )
        report(
            f"public notice with the longest printed list ({rows:,} members)",
            drawn_in_a_worker(database, run.pk, first=rows),
        )


def report(figure: str, drawn: dict[str, Any]) -> None:
    print(
        f"{figure}: {drawn['seconds']:.1f} s, {drawn['pages']:.0f} pages, "
        f"{drawn['bytes']:,.0f} bytes, peak {drawn['peak_mb']:.0f} MB",
        flush=True,
    )
    seconds, megabytes = drawn["seconds"], drawn["peak_mb"]
    target = f"≤ {TARGET_SECONDS:.0f} s"
    webstack.bench(figure, round(seconds, 1), "s", None, target, seconds <= TARGET_SECONDS)
    target = f"≤ {TARGET_MEGABYTES:.0f} MB"
    ok = megabytes <= TARGET_MEGABYTES
    webstack.bench(figure + ", peak memory", round(megabytes), "MB", None, target, ok)


if __name__ == "__main__":
    main()
