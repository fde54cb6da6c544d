"""A member's assessment report drawn as a PDF: the median of several renders.

    .venv/bin/python -m benchmarks.bench_pdf [--scale S] [--database DB] [--renders 10]

On the web benchmarks' database (benchmarks/webstack.py, with its published assessment),
draws the report of members of that assessment through ``pledges.assessment.pdf.render_report``
— what the Celery task draws and keeps for the public report.pdf URL — one member after the
other, in Chinese, each one timed after a first, cold render that is not counted (fonts and
templates loading). The floor is WeasyPrint drawing a one-line page in the same process and
fonts: what any PDF costs in this stack.

Target (issue 10): median ≤ 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks import webstack

TARGET_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="an existing database instead of the dataset's copy")
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()

    database = webstack.prepared_database(args.scale, args.database)
    with webstack.workdir() as directory:
        webstack.setup_django(database, Path(directory) / "media")
        webstack.prepare_site()
        from weasyprint import HTML

        from pledges.assessment import pdf, published

        run = published.current_runs().order_by("-pk").first()
        results = list(
            published.results_of(run)
            .select_related("run__period__cooperative", "run__charter_version")
            .order_by("member_id")[: args.renders + 1]
        )
        if len(results) < args.renders + 1:
            raise SystemExit(f"the published assessment has only {len(results)} results")
        started = time.perf_counter()
        cold = pdf.render_report(results[0], "zh-hans")
        print(f"first (cold) render: {time.perf_counter() - started:.2f} s, {len(cold):,} bytes")
        seconds, sizes = [], []
        for result in results[1:]:
            started = time.perf_counter()
            document = pdf.render_report(result, "zh-hans")
            seconds.append(time.perf_counter() - started)
            if not document.startswith(b"%PDF-"):
                raise SystemExit(f"the report of {result.member} is not a PDF")
            sizes.append(len(document))
        floors = []
        for _ in range(args.renders):
            started = time.perf_counter()
            HTML(string='<p lang="zh">质量合作社</p>').write_pdf()
            floors.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    floor = statistics.median(floors)
    print(
        f"{len(seconds)} reports: median {median:.3f} s, min {min(seconds):.3f} s, "
        f"max {max(seconds):.3f} s, {statistics.median(sizes):,.0f} bytes; "
        f"one-line PDF: median {floor:.3f} s"
    )
    webstack.bench(
        f"member assessment report PDF, median of {len(seconds)}",
        median,
        "s",
        round(floor, 3),
        f"≤ {TARGET_SECONDS:.0f} s",
        median <= TARGET_SECONDS,
    )


if __name__ == "__main__":
    main()
