"""The inspections import against its floor: 1,000,000 rows of inspections.csv on PostgreSQL.

    .venv/bin/python -m benchmarks.bench_inspections_import [--scale S] [--rows N]
        [--database NAME] [--first-only]

Creates its own database (coop_bench_inspections on 127.0.0.1, user postgres, or --database),
migrates it, sets up a cooperative with 2,000 members, its charter and the home-textile
catalogue, and writes a seeded inspections.csv under benchmarks/data/ (git-ignored): about
9% of the results failed, most of those with a rectification date. Then it measures, in the
same run:

- the bare floor: COPY of the same file, streamed, into a bare table of the file's columns
  (typed, no index, no constraint), committed; the best of three;
- the schema floor: the same rows put into the real inspections table (its indexes, unique
  and foreign keys, checked at once) by one INSERT … SELECT from the bare table, joined to the
  members, categories and labs, and rolled back: what the table alone costs, measured on the
  table as the first import finds it;
- the first import, through the `import_inspections` command (the code path of the lab
  upload too): every row checked as DATA_FORMATS.md says, every report created, and the
  rectification of every failure opened in the same transaction;
- the second import of the same file, which must change nothing.

For each it prints the wall time, the CPU time of this process and of its PostgreSQL server
process (on a shared machine the wall time also holds the neighbours' load; the ratio of CPU
times does not) and the peak memory (max RSS) of this process, and for benchmarks/run.py one
``BENCH`` line per figure (the ratio there is of wall times). Targets for 1,000,000 rows
: the first import under 60 s and at most 3 × the schema floor, peak memory under 300 MB.
The ratio to the bare floor is printed too; no import into the real table can come near it.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
DATABASE = "coop_bench_inspections"
MEMBERS = 2000
SEED = 20211231


def cpu_seconds() -> float:
    """This process's CPU time: on a shared, busy machine it shows the cost wall time hides."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu() -> tuple[int, float | None]:
    """The pid of this connection's PostgreSQL server process and its CPU seconds so far (None
    when it does not run on this machine): the database's share of the work, which the wall
    time of a busy machine blurs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return pid, None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0
    server: float | None = None

    def __str__(self) -> str:
        server = "?" if self.server is None else f"{self.server:.1f}"
        return f"{self.wall:.2f} s (CPU: {self.cpu:.1f} s here, {server} s in PostgreSQL)"

    @property
    def total_cpu(self) -> float | None:
        return None if self.server is None else self.cpu + self.server


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing()
    pid, server = server_cpu()
    started, cpu = time.perf_counter(), cpu_seconds()
    yield timing
    timing.wall, timing.cpu = time.perf_counter() - started, cpu_seconds() - cpu
    pid_after, server_after = server_cpu()
    if pid_after == pid and server is not None and server_after is not None:
        timing.server = server_after - server


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, rows: int, codes: list[str]) -> None:
    rng = random.Random(SEED)
    categories = ["fabrics", "fibre-products", "garments", "bedding"]
    products = {
        "fabrics": ["全棉印花布", "涤棉平纹布", "天丝贡缎面料"],
        "fibre-products": ["纤维枕芯", "抱枕", "坐垫"],
        "garments": ["针织睡衣", "家居服", "浴袍"],
        "bedding": ["四件套", "羽绒被", "蚕丝被", "夏凉被"],
    }
    first = datetime.date(2021, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "report_no",
                "credit_code",
                "product",
                "category",
                "sampled_on",
                "reported_on",
                "verdict",
                "severity",
                "lab",
                "rectified_on",
            ]
        )
        for number in range(rows):
            category = rng.choice(categories)
            sampled = first + datetime.timedelta(days=rng.randrange(5 * 365))
            reported = sampled + datetime.timedelta(days=rng.randrange(3, 25))
            year_bonus = (sampled.year - 2021) * 0.006
            failed = rng.random() > 0.905 + year_bonus
            severity = rng.choice(["minor", "minor", "major", "critical"]) if failed else ""
            rectified = ""
            if failed and rng.random() < 0.8:
                rectified = (reported + datetime.timedelta(days=rng.randrange(10, 90))).isoformat()
            writer.writerow(
                [
                    f"NT{sampled.year}-{number:08d}",
                    codes[rng.randrange(len(codes))],
                    rng.choice(products[category]),
                    category,
                    sampled.isoformat(),
                    reported.isoformat(),
                    "fail" if failed else "pass",
                    severity,
                    "国家家用纺织品质量检验检测中心",
                    rectified,
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--database", default=DATABASE, help="dropped and created afresh")
    parser.add_argument(
        "--first-only", action="store_true", help="only the first import, without the rest"
    )
    args = parser.parse_args()
    args.rows = args.rows or int(1_000_000 * args.scale)

    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.database], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from charter.setup import setup_charter
    from inspections.models import Inspection, Rectification
    from inspections.setup import setup_catalogue
    from members.credit_code import ALPHABET, check_character
    from members.models import Lab, Member
    from members.setup import setup_cooperative

    call_command("migrate", verbosity=0)
    cooperative, _ = setup_cooperative("bench", name="基准合作社", industry="home-textiles")
    setup_charter(cooperative)
    setup_catalogue(cooperative, "home-textiles")
    Lab.objects.get_or_create(name_zh="国家家用纺织品质量检验检测中心")
    codes = []
    for number in range(MEMBERS):
        body = ""
        for _ in range(8):
            number, digit = divmod(number, len(ALPHABET))
            body = ALPHABET[digit] + body
        stem = "91320612M" + body
        codes.append(stem + check_character(stem))
    Member.objects.bulk_create(
        [
            Member(
                cooperative=cooperative,
                credit_code=code,
                name=f"基准家纺{index}",
                kind=Member.Kind.FIRM,
                joined_on=datetime.date(2020, 1, 1),
            )
            for index, code in enumerate(codes)
        ]
    )

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"inspections-{args.rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.rows, codes)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    print(
        f"file: {path.stat().st_size / 1024 / 1024:.0f} MB; peak before import {peak_mb():.0f} MB"
    )

    floor = min((copy_floor(path) for _ in range(3)), key=lambda timing: timing.wall)
    print(f"bare floor: COPY into a bare table, best of 3: {floor}")
    table_floor = schema_floor()
    print(
        f"schema floor: INSERT … SELECT into the inspections table: {table_floor}, "
        f"{table_floor.wall / floor.wall:.1f} × the bare floor"
    )

    failures = Inspection.objects.none()
    labels = ["first import"] if args.first_only else ["first import", "second import"]
    for label in labels:
        out = io.StringIO()
        with timed() as timing:
            call_command("import_inspections", "--cooperative", "bench", str(path), stdout=out)
        seconds = timing.wall
        cpu_ratio = (
            ""
            if timing.total_cpu is None or not floor.total_cpu
            else f", {timing.total_cpu / floor.total_cpu:.1f} × its CPU"
        )
        print(
            f"{label}: {timing}, {seconds / table_floor.wall:.1f} × the schema floor, "
            f"{seconds / floor.wall:.1f} × the bare floor{cpu_ratio}, "
            f"peak memory {peak_mb():.0f} MB — {out.getvalue().strip()}"
        )
        failures = Inspection.objects.filter(cooperative=cooperative).failed()
        if Rectification.objects.count() != failures.count():
            raise SystemExit("Not every failure has its rectification.")
        if Inspection.objects.filter(cooperative=cooperative).count() != args.rows:
            raise SystemExit("The import did not leave one report per row.")
        # One line per figure for benchmarks/run.py (`make bench`); targets are for 1M rows.
        limit = 60 * args.rows / 1_000_000
        first = label == "first import"
        figures = [
            {
                "figure": f"inspections import, {label} ({args.rows} rows)",
                "value": round(seconds, 2),
                "unit": "s",
                "floor": round(table_floor.wall, 3) if first else None,
                "target": f"≤ {limit:.3g} s" + (" and ≤ 3 × schema floor" if first else ""),
                "ok": seconds <= limit and (seconds <= 3 * table_floor.wall or not first),
            },
            {
                "figure": f"inspections import peak memory, {label}",
                "value": round(peak_mb()),
                "unit": "MB",
                "floor": None,
                "target": "≤ 300 MB",
                "ok": peak_mb() <= 300,
            },
        ]
        for figure in figures:
            print("BENCH " + json.dumps(figure, ensure_ascii=False))
    print(f"inspections: {Inspection.objects.count()}, failed: {failures.count()}")


def copy_floor(path: Path) -> Timing:
    """COPY the file into a bare table of its columns, and commit (the bare floor; the schema
    floor reads the table it leaves)."""
    from django.db import connection, transaction

    columns = (
        "report_no varchar(60), credit_code varchar(18), product varchar(200), "
        "category varchar(50), sampled_on date, reported_on date, verdict varchar(10), "
        "severity varchar(10), lab varchar(200), rectified_on date"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(f"CREATE TABLE bench_floor ({columns})")
    # Django's cursor wrapper holds psycopg's own cursor, which speaks COPY.
    with (
        timed() as timing,
        transaction.atomic(),
        connection.cursor() as cursor,
        path.open("rb") as stream,
        cursor.cursor.copy("COPY bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
    ):
        while chunk := stream.read(1024 * 1024):
            copy.write(chunk)
    return timing


def schema_floor() -> Timing:
    """One INSERT … SELECT of the floor table's rows into the inspections table,
    under a second cooperative, rolled back: the cost of its indexes and foreign keys."""
    from django.db import connection, transaction

    from members.setup import setup_cooperative

    other, _ = setup_cooperative("bench-schema", name="基准合作社（表结构）")
    with timed() as timing, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inspections_inspection (cooperative_id, report_no, member_id, product,
                category_id, sampled_on, reported_on, lab_id, lab_name, kind, verdict,
                severity, status, rectified_on, created_at, source, void_note)
            SELECT %s, f.report_no, m.id, f.product, c.id, f.sampled_on, f.reported_on, l.id,
                coalesce(f.lab, ''), 'supervision', f.verdict, coalesce(f.severity, ''), 'final',
                f.rectified_on, now(), 'import', ''
            FROM bench_floor f
            JOIN members_member m ON m.credit_code = f.credit_code
            JOIN inspections_testcategory c
                ON c.cooperative_id = m.cooperative_id AND c.code = f.category
            LEFT JOIN members_lab l ON l.name_zh = f.lab
            """,
            [other.pk],
        )
        # The deferred foreign-key checks run at commit: make them run here, timed.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)
    return timing


if __name__ == "__main__":
    main()
