"""`make bench`: every benchmark of benchmarks/, on PostgreSQL + Redis, as one table.

Each module ``benchmarks/bench_<name>.py`` has ``main()`` that accepts ``--scale S`` (1.0 is
the full reference size, ``make bench SCALE=small`` passes 0.1) and prints, for each figure it
measures, one line ``BENCH {"figure": …, "value": …, "unit": …, "floor": …, "target": …,
"ok": …}`` (floor is the same work done the fastest way the stack allows, measured in the
same run, or null). This runner starts each module in its own process (so peak memory is
its own), collects the lines, prints the table, writes benchmarks/RESULTS.md with the date,
the machine and its load, and flags any figure more than 20% worse than the committed results
of the same scale (full-scale results live in results.json and RESULTS.md; other scales in
results-<scale>.json and RESULTS-<scale>.md, so a small run never overwrites the reference).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALES = {"full": 1.0, "small": 0.1}
# Lower is better for these units; higher for the others (throughput).
LOWER_IS_BETTER = {"s", "ms", "MB", "KB", "ratio", "queries", "errors", "%"}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    postgres = subprocess.run(
        ["psql", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}{memory}; Python {platform.python_version()}; {postgres}"


def load() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def result_paths(scale: float) -> tuple[Path, Path]:
    if scale == 1.0:
        return HERE / "results.json", HERE / "RESULTS.md"
    return HERE / f"results-{scale:g}.json", HERE / f"RESULTS-{scale:g}.md"


def run_module(name: str, scale: float, env: dict[str, str]) -> list[dict]:
    print(f"== {name} (scale {scale})", flush=True)
    process = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--scale", str(scale)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results = []
    for line in process.stdout.splitlines():
        if line.startswith("BENCH "):
            results.append({"module": name, **json.loads(line[6:])})
        else:
            print("   ", line)
    if process.returncode != 0:
        print(process.stderr[-3000:])
        results.append(
            {
                "module": name,
                "figure": f"{name} crashed",
                "value": None,
                "unit": "",
                "floor": None,
                "target": "runs",
                "ok": False,
            }
        )
    return results


def regressions(results: list[dict], previous: list[dict]) -> list[str]:
    before = {(r["module"], r["figure"]): r for r in previous}
    flagged = []
    for result in results:
        old = before.get((result["module"], result["figure"]))
        if not old or not old.get("value") or result.get("value") is None:
            continue
        lower_better = result["unit"] in LOWER_IS_BETTER
        change = (result["value"] - old["value"]) / old["value"]
        if change > 0.2 if lower_better else change < -0.2:
            flagged.append(
                f"{result['figure']}: {old['value']} → {result['value']} {result['unit']} ({change:+.0%})"
            )
    return flagged


def table(results: list[dict]) -> str:
    lines = ["| figure | value | floor | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in results:
        value = "—" if r.get("value") is None else f"{r['value']:.3g} {r['unit']}"
        floor = "—" if r.get("floor") in (None, 0) else f"{r['floor']:.3g} {r['unit']}"
        ratio = (
            "—"
            if r.get("floor") in (None, 0) or r.get("value") is None
            else f"{r['value'] / r['floor']:.2f}"
        )
        lines.append(
            f"| {r['figure']} | {value} | {floor} | {ratio} | {r['target']} | {'yes' if r['ok'] else '**no**'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="full", help="full, small, or a number")
    parser.add_argument("--only", action="append", help="run only these modules (bench_<name>)")
    args = parser.parse_args()
    scale = SCALES.get(args.scale) or float(args.scale)
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coop_bench"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        "PYTHONPATH": str(ROOT),
    }
    modules = sorted(path.stem for path in HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m in args.only or m.removeprefix("bench_") in args.only]
    results_json, results_md = result_paths(scale)
    load_before = load()
    started = datetime.datetime.now(datetime.UTC)
    results: list[dict] = []
    for module in modules:
        results.extend(run_module(module, scale, env))
    previous = json.loads(results_json.read_text()) if results_json.exists() else []
    flagged = regressions(results, previous)
    print()
    print(table(results))
    if flagged:
        print("\nMore than 20% worse than the committed results:")
        for line in flagged:
            print("  ", line)
    this_run = list(results)
    if args.only:
        # A partial run updates its own rows of results.json and keeps the others.
        ran = {r["module"] for r in results}
        results = [r for r in previous if r["module"] not in ran] + results
    results_json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    # The run goes on top; the sections of earlier runs, with their notes, stay below it.
    title = "# Benchmark results\n\n"
    earlier = results_md.read_text().removeprefix(title) if results_md.exists() else ""
    results_md.write_text(
        title
        + f"## {started:%Y-%m-%d}, `make bench`"
        + (f" (modules: {', '.join(args.only)})" if args.only else "")
        + f", scale {scale}\n\n"
        f"Run at {started:%H:%M} UTC. Machine: {machine()}\n\n"
        f"Load average (1/5/15 min) before the run: {load_before}; after: {load()}.\n\n"
        + table(this_run)
        + "\n\n"
        + earlier
    )
    return 1 if flagged or not all(r["ok"] for r in this_run) else 0


if __name__ == "__main__":
    sys.exit(main())
