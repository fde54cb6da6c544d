"""Phone pages as a phone sees them: Lighthouse's mobile preset on the public pages.

    .venv/bin/python -m benchmarks.bench_lighthouse [--scale S] [--database DB]

Lighthouse (npm, pinned in package.json) drives Debian's Chromium against gunicorn serving
the reference dataset with production settings (benchmarks/webstack.py), with its default
mobile preset: a mid-range phone's screen, a throttled 4G network and a slowed CPU. Each page
is loaded in Chinese, the cooperative's language: the home page, a member's public page, the
member directory, the complaint form, the complaint tracking page and a "why this score" page.

For each page: the performance, accessibility and best-practices scores and the bytes
transferred on a first load (nothing cached). Targets: performance ≥ 95, accessibility 100,
best practices 100, at most 100 KB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from benchmarks import webstack

LIGHTHOUSE = webstack.ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
TARGET_KB = 100


def pages() -> list[tuple[str, str]]:
    """(name, path) of the pages measured, for members drawn as the other web benchmarks do."""
    from django.urls import reverse

    site = webstack.site()
    member = next(request.path for request in site.pages if request.name == "member page")
    why = next(request.path for request in site.pages if request.name == "why this score")
    slug = site.complaint_form.split("/")[2]
    return [
        ("home", reverse("home")),
        ("member page", member),
        ("member directory", reverse("members:directory", args=[slug])),
        ("complaint form", site.complaint_form),
        ("complaint tracking", reverse("complaints:track", args=[slug])),
        ("why this score", why),
    ]


def audit(url: str, directory: Path) -> dict:
    """Lighthouse's report of one page, as JSON."""
    report = directory / "lighthouse.json"
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-path={CHROMIUM}",
            "--chrome-flags=--headless=new --no-sandbox --lang=zh-CN",
            "--only-categories=performance,accessibility,best-practices",
            "--locale=zh",
            # gunicorn runs with production settings behind a TLS proxy that is not here.
            '--extra-headers={"X-Forwarded-Proto": "https", "Accept-Language": "zh-CN,zh"}',
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return json.loads(report.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="an existing database instead of the dataset's copy")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `make install` (npm ci installs it).")

    database = webstack.prepared_database(args.scale, args.database)
    redis_url = webstack.redis_url()
    with webstack.workdir() as directory:
        webstack.setup_django(database, Path(directory) / "media")
        webstack.prepare_site()
        measured = pages()
        from django.db import connections

        connections.close_all()
        with webstack.Gunicorn(database, redis_url, Path(directory)) as server:
            for name, path in measured:
                report = audit(f"http://127.0.0.1:{server.port}{path}", Path(directory))
                for category, target in TARGETS.items():
                    score = round(100 * (report["categories"][category]["score"] or 0))
                    failed = [
                        ref["id"]
                        for ref in report["categories"][category]["auditRefs"]
                        if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 1
                    ]
                    if failed:
                        print(f"{name}, {category}: below full marks in {', '.join(failed)}")
                    webstack.bench(
                        f"phone, {name}: Lighthouse {category}",
                        score,
                        "points",
                        None,
                        f"≥ {target}",
                        score >= target,
                    )
                kilobytes = report["audits"]["total-byte-weight"]["numericValue"] / 1024
                webstack.bench(
                    f"phone, {name}: transferred on first load",
                    kilobytes,
                    "KB",
                    None,
                    f"≤ {TARGET_KB} KB",
                    kilobytes <= TARGET_KB,
                )


if __name__ == "__main__":
    main()
