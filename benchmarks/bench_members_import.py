"""Import 100,000 rows of members.csv into PostgreSQL through the importer the command uses.

    .venv/bin/python -m benchmarks.bench_members_import [--scale S] [--rows N]

Creates its own database (coop_bench_members on 127.0.0.1, user postgres), migrates it, writes
a seeded members.csv (every row valid: real check characters, firms and sole proprietors, some
with a leaving date, most with a chief quality officer), and imports it twice through
`MembersImporter` and `run_import`: the first run creates every member and officer with their
history, the second must change nothing. Prints the seconds of each run and the peak memory,
and as the floor the same rows written by a bare `bulk_create` (no parsing, no checks, no
history). Target: the first import under 30 s.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "coop_bench_members"
SEED = 20211231
TARGET_SECONDS = 30.0
SURNAMES = "张王李赵陈刘杨黄周吴徐孙朱马胡郭林何高罗"
WORDS = ["家纺", "床品", "布艺", "纺织", "被业", "枕业", "窗帘", "毛巾", "绣品", "服饰"]


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def credit_code(number: int, sole_proprietor: bool) -> str:
    from members.credit_code import ALPHABET, check_character

    body = ""
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        body = ALPHABET[digit] + body
    stem = ("92" if sole_proprietor else "91") + "320612M" + body
    return stem + check_character(stem)


def generate(rows: int) -> bytes:
    rng = random.Random(SEED)
    first = datetime.date(2015, 1, 1)
    lines = ["credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on"]
    for number in range(rows):
        sole = rng.random() < 0.4
        joined = first + datetime.timedelta(days=rng.randrange(9 * 365))
        left = ""
        if rng.random() < 0.08:
            left = (joined + datetime.timedelta(days=rng.randrange(30, 400))).isoformat()
        surname = rng.choice(SURNAMES)
        word = rng.choice(WORDS)
        if sole:
            name, scale = f"通州区{surname}记{word}店{number}", ""
        else:
            name = f"南通{surname}氏{word}有限公司{number}"
            scale = "above_scale" if rng.random() < 0.2 else "sme"
        officer = f"{surname}{rng.choice('建秀海志晓明丽伟静强')}{rng.choice('国英燕强梅华')}"
        lines.append(
            ",".join(
                [
                    credit_code(number, sole),
                    name,
                    "sole_proprietor" if sole else "firm",
                    scale,
                    joined.isoformat(),
                    f"江苏省南通市通州区川姜镇{rng.randrange(1, 999)}号",
                    officer if rng.random() < 0.8 else "",
                    left,
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


def bench(figure: str, value: float, unit: str, floor: float | None, target: str, ok: bool) -> None:
    line = {"figure": figure, "value": round(value, 3), "unit": unit, "floor": floor}
    print("BENCH " + json.dumps({**line, "target": target, "ok": ok}, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or int(100_000 * args.scale)

    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from coop_portal.csvimport import run_import
    from members.importers import MembersImporter
    from members.models import Member, QualityOfficer
    from members.setup import setup_cooperative

    call_command("migrate", verbosity=0)
    cooperative, _ = setup_cooperative("bench", name="基准合作社", industry="home-textiles")

    started = time.perf_counter()
    data = generate(rows)
    print(
        f"generated {rows} rows ({len(data) / 1024 / 1024:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    print(f"peak memory before import: {peak_mb():.0f} MB")

    # The floor: the same members written by one bare bulk_create, then rolled back.
    started = time.perf_counter()
    cpu = time.process_time()
    with transaction.atomic():
        Member.objects.bulk_create(
            [
                Member(
                    cooperative=cooperative,
                    credit_code=credit_code(number, False),
                    name=f"基准{number}",
                    kind="firm",
                    joined_on=datetime.date(2020, 1, 1),
                )
                for number in range(rows)
            ],
            batch_size=2000,
        )
        transaction.set_rollback(True)
    floor = time.perf_counter() - started
    print(f"floor (bare bulk_create): {floor:.1f} s, {time.process_time() - cpu:.1f} s CPU")

    seconds = {}
    for label in ("first import", "second import"):
        started = time.perf_counter()
        cpu = time.process_time()
        report = run_import(MembersImporter(cooperative), io.BytesIO(data), max_bytes=None)
        seconds[label] = time.perf_counter() - started
        # On a busy machine the wall time says more about the neighbours than the importer.
        print(f"{label}: {time.process_time() - cpu:.1f} s of this process's CPU time")
        if not report.ok:
            print("\n".join(str(problem) for problem in report.errors[:20]))
            raise SystemExit(1)
        print(
            f"{label}: {seconds[label]:.1f} s, peak memory {peak_mb():.0f} MB — {report.summary()}"
        )
    print(
        f"members: {Member.objects.count()}, officers: {QualityOfficer.objects.count()}, "
        f"history rows: {Member.history.count()}"
    )
    scale_note = f"{rows:,} rows"
    bench(
        f"members.csv import, {scale_note}",
        seconds["first import"],
        "s",
        round(floor, 3),
        f"< {TARGET_SECONDS:.0f} s",
        seconds["first import"] < TARGET_SECONDS * rows / 100_000,
    )
    bench(
        f"members.csv re-import (no change), {scale_note}",
        seconds["second import"],
        "s",
        None,
        f"< {TARGET_SECONDS:.0f} s",
        seconds["second import"] < TARGET_SECONDS * rows / 100_000,
    )
    bench("members.csv import peak memory", peak_mb(), "MB", None, "< 500 MB", peak_mb() < 500)


if __name__ == "__main__":
    main()
