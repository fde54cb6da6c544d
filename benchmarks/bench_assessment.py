"""Benchmark: one full assessment computation at cluster scale, on PostgreSQL.

    .venv/bin/python benchmarks/bench_assessment.py [--scale 1.0] [--db coop_bench_assess]
                                                    [--reseed] [--workers 1]

Seeds (with COPY) a database of its own — at scale 1.0: 100,000 members, 2,000,000
inspections, 500,000 complaints — then, in a fresh process so that memory is the
computation's own, times:

- the raw-SQL floor: the GROUP BY aggregates an assessment needs (per member: inspections
  counted, passed and critical; complaints due and on time; the pledge in force), fetched;
- one full computation of period 2025 through the same services the Celery tasks call
  (gather, score, write every member's result, hash), chunk after chunk in one process, or
  spread over ``--workers`` processes as the Celery workers would;

and reports the time, the ratio to the floor, the peak memory (max RSS) and the number of
queries per chunk (constant: it does not grow with the number of members).

Targets (issue 8): under 60 s, under 3 × the floor, under 500 MB.

Measured on the 2-core development machine, PostgreSQL 15, scale 1.0 (98,000 members active
in 2025), 2 worker processes, 10 chunks of 10,000: floor 7.8 s; computation 106 s (13.6 ×
the floor); peak RSS 205 MB; 12 queries per chunk whatever its size, 6 to finish. Memory
and queries meet the targets; time does not. Where it goes, per chunk of 10,000 members:
the Python scoring (~0.45 ms per member, exact fractions), the canonical input digests
(~0.18 ms), gathering ~200,000 grouped rows into dataclasses, COPY of the results; and,
once per run, re-reading every result to hash it (9.5 s).
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
DSN_BASE = "postgres://postgres@127.0.0.1:5432/"
YEAR_START = datetime.date(2025, 1, 1)
SLUG = "bench"


def dsn(db: str) -> str:
    return DSN_BASE + db


def setup_django(db: str) -> None:
    os.environ["DATABASE_URL"] = dsn(db)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Seeding -------------------------------------------------------------------------------


def create_database(db: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)


def columns(cursor, table: str) -> list[tuple[str, str, bool, bool]]:
    """(name, type, nullable, has default) of a table's columns, id excluded."""
    cursor.execute(
        "SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL "
        "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row for row in cursor.fetchall() if row[0] != "id"]


FILLER = {
    "character varying": "",
    "text": "",
    "boolean": "f",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "numeric": "0",
    "jsonb": "{}",
    "json": "{}",
    "date": "2020-01-01",
    "timestamp with time zone": "2025-01-01 00:00:00+08",
}


def copy_rows(connection, table: str, rows, known: list[str]) -> int:
    """COPY rows (tuples in the order of ``known``) into a table; other columns get their
    NULL, or a neutral value when they are NOT NULL (columns other apps may add)."""
    with connection.cursor() as cursor:
        cols = columns(cursor, table)
    extra = [
        (name, kind)
        for name, kind, nullable, _default in cols
        if name not in known and not nullable
    ]
    names = known + [name for name, _kind in extra]
    tail = "".join("\t" + FILLER.get(kind, "") for _name, kind in extra)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + tail + "\n")
            count += 1
            if count % 50000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def seed(db: str, scale: float) -> dict[str, int]:
    setup_django(db)
    from django.core.management import call_command
    from django.db import connection

    from charter.setup import setup_charter
    from inspections.models import TestCategory
    from members.models import Cooperative
    from tests.factories import credit_code_for

    call_command("migrate", verbosity=0)
    cooperative = Cooperative.objects.create(slug=SLUG, name_zh="基准合作社", name_en="Benchmark")
    setup_charter(cooperative)
    category = TestCategory.objects.create(cooperative=cooperative, code="fabrics", name_zh="面料")
    members = int(100_000 * scale)
    inspections = int(2_000_000 * scale)
    complaints = int(500_000 * scale)
    rng = random.Random(8)
    # COPY speaks to the psycopg connection directly.
    connection.ensure_connection()
    raw = connection.connection
    coop_id, cat_id = cooperative.pk, category.pk
    now = "2025-01-01 00:00:00+08"

    def member_rows():
        for n in range(members):
            joined = "2026-02-01" if n % 50 == 0 else "2020-01-01"
            yield (
                coop_id,
                credit_code_for(n),
                f"企业{n}",
                "firm",
                "sme",
                "active",
                joined,
                now,
                now,
            )

    copy_rows(
        raw,
        "members_member",
        member_rows(),
        [
            "cooperative_id",
            "credit_code",
            "name",
            "kind",
            "scale",
            "status",
            "joined_on",
            "created_at",
            "updated_at",
        ],
    )
    with raw.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM members_member WHERE cooperative_id = %s", [coop_id])
        first_member = cursor.fetchone()[0]
    member_ids = range(first_member, first_member + members)

    def pledge_rows():
        for member_id in member_ids:
            if member_id % 20 == 0:
                continue
            yield (member_id, 1, "published", "2024-01-01", now)

    copy_rows(
        raw,
        "pledges_pledge",
        pledge_rows(),
        ["member_id", "version", "status", "published_on", "created_at"],
    )
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM pledges_pledge WHERE member_id >= %s ORDER BY id", [first_member]
        )
        pledge_ids = [row[0] for row in cursor.fetchall()]

    def commitment_rows():
        for pledge_id in pledge_ids:
            yield (pledge_id, "pass_rate", rng.choice(["90.0", "92.0", "95.0", "98.0"]))
            yield (pledge_id, "response_days", rng.choice(["3.0", "5.0", "7.0"]))
            yield (pledge_id, "resolution_days", rng.choice(["15.0", "20.0", "30.0"]))
            yield (pledge_id, "rectification_days", rng.choice(["30.0", "45.0", "60.0"]))

    copy_rows(raw, "pledges_commitment", commitment_rows(), ["pledge_id", "kind", "target"])

    def day(offset: int) -> str:
        return (YEAR_START + datetime.timedelta(days=offset)).isoformat()

    def inspection_rows():
        for n in range(inspections):
            member_id = first_member + rng.randrange(members)
            sampled = rng.randrange(355)
            reported = sampled + rng.randrange(3, 11)
            if rng.random() < 0.9:
                verdict, severity, rectified = "pass", "", None
            else:
                verdict = "fail"
                severity = rng.choices(["minor", "major", "critical"], [70, 25, 5])[0]
                rectified = day(reported + rng.randrange(20, 80)) if rng.random() < 0.5 else None
            yield (
                coop_id,
                f"B{n:09d}",
                member_id,
                "床单",
                cat_id,
                day(sampled),
                day(reported),
                "supervision",
                verdict,
                severity,
                "final",
                rectified,
                now,
            )

    copy_rows(
        raw,
        "inspections_inspection",
        inspection_rows(),
        [
            "cooperative_id",
            "report_no",
            "member_id",
            "product",
            "category_id",
            "sampled_on",
            "reported_on",
            "kind",
            "verdict",
            "severity",
            "status",
            "rectified_on",
            "created_at",
        ],
    )

    def complaint_rows():
        for n in range(complaints):
            member_id = first_member + rng.randrange(members)
            accepted = rng.randrange(365)
            rejected = rng.random() < 0.05
            responded = day(accepted + rng.randrange(0, 11)) if rng.random() < 0.85 else None
            resolved = day(accepted + rng.randrange(5, 41)) if rng.random() < 0.7 else None
            upheld = day(accepted + rng.randrange(5, 41)) if rng.random() < 0.1 else None
            yield (
                coop_id,
                f"K{n:09d}",
                member_id,
                "rejected" if rejected else "accepted",
                day(accepted),
                day(accepted),
                responded,
                resolved,
                upheld,
                now,
            )

    copy_rows(
        raw,
        "complaints_complaint",
        complaint_rows(),
        [
            "cooperative_id",
            "reference",
            "member_id",
            "status",
            "received_on",
            "accepted_on",
            "responded_on",
            "resolved_on",
            "upheld_on",
            "created_at",
        ],
    )
    with raw.cursor() as cursor:
        cursor.execute("ANALYZE")
    raw.commit()
    return {"members": members, "inspections": inspections, "complaints": complaints}


# Measuring -----------------------------------------------------------------------------

FLOOR_SQL = [
    # Inspections per member: counted, passed, critical.
    """SELECT member_id, count(*), count(*) FILTER (WHERE verdict = 'pass'),
              count(*) FILTER (WHERE verdict = 'fail' AND severity = 'critical'),
              count(*) FILTER (WHERE verdict = 'fail' AND rectified_on <= reported_on + 60)
       FROM inspections_inspection
       WHERE status = 'final' AND sampled_on BETWEEN %(first)s AND %(last)s
         AND reported_on <= %(last)s
       GROUP BY member_id""",
    # Complaints per member: accepted, answered and resolved in time, upheld.
    """SELECT member_id, count(*),
              count(*) FILTER (WHERE responded_on <= LEAST(accepted_on + 7, %(last)s)),
              count(*) FILTER (WHERE resolved_on <= LEAST(accepted_on + 30, %(last)s)),
              count(*) FILTER (WHERE upheld_on <= %(last)s)
       FROM complaints_complaint
       WHERE status <> 'rejected' AND accepted_on BETWEEN %(first)s AND %(last)s
       GROUP BY member_id""",
    # The pledge in force per member, with its commitments.
    """SELECT DISTINCT ON (p.member_id) p.member_id, p.id, p.withdrawn_on
       FROM pledges_pledge p WHERE p.published_on <= %(last)s
       ORDER BY p.member_id, p.published_on DESC, p.version DESC""",
    """SELECT c.pledge_id, c.kind, c.target FROM pledges_commitment c
       JOIN pledges_pledge p ON p.id = c.pledge_id WHERE p.published_on <= %(last)s""",
]


def compute_part(db: str, run_id: int, numbers: list[int]) -> None:
    setup_django(db)
    from pledges.assessment import services

    for number in numbers:
        services.compute_chunk(run_id, number)


def measure(db: str, workers: int) -> dict[str, object]:
    setup_django(db)
    from django.db import connection

    from members.models import Cooperative
    from pledges.assessment import services
    from pledges.models import AssessmentRun, MemberAssessment

    cooperative = Cooperative.objects.get(slug=SLUG)
    period = services.period_for(cooperative, "2025")
    AssessmentRun.objects.filter(
        period=period, status__in=["draft", "computing", "failed"]
    ).delete()
    params = {"first": period.first_day, "last": period.last_day}

    started = time.perf_counter()
    floor_rows = 0
    with connection.cursor() as cursor:
        for sql in FLOOR_SQL:
            cursor.execute(sql, params)
            floor_rows += len(cursor.fetchall())
    floor = time.perf_counter() - started

    queries: list[int] = []

    def counting(execute, sql, params, many, context):
        queries[-1] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    run = services.start_run(period, dispatch=False)
    if workers > 1:
        parts = [list(range(run.chunks_total))[index::workers] for index in range(workers)]
        connection.close()
        processes = [
            subprocess.Popen(
                [sys.executable, __file__, "--db", db, "--part", str(run.pk), json.dumps(part)]
            )
            for part in parts
        ]
        for process in processes:
            if process.wait() != 0:
                raise SystemExit("a worker process failed")
        with connection.execute_wrapper(counting):
            queries.append(0)
            services.finish_run(run.pk)
    else:
        with connection.execute_wrapper(counting):
            for number in range(run.chunks_total):
                queries.append(0)
                services.compute_chunk(run.pk, number)
            queries.append(0)
            services.finish_run(run.pk)
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    assessed = MemberAssessment.objects.filter(run=run).count()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    chunk_queries = queries[:-1] or [0]
    return {
        "status": run.status,
        "assessed": assessed,
        "chunks": run.chunks_total,
        "workers": workers,
        "floor_seconds": round(floor, 2),
        "floor_rows": floor_rows,
        "computation_seconds": round(elapsed, 2),
        "ratio_to_floor": round(elapsed / floor, 2),
        "peak_rss_mb": round(max(peak_mb, children_mb), 1),
        "queries_per_chunk_min": min(chunk_queries),
        "queries_per_chunk_max": max(chunk_queries),
        "queries_finish": queries[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default=None, help="default: coop_bench_assess_<scale>")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.db = args.db or f"coop_bench_assess_{str(args.scale).replace('.', '_')}"
    if args.part:
        compute_part(args.db, int(args.part[0]), json.loads(args.part[1]))
        return
    if args.measure:
        print(json.dumps(measure(args.db, args.workers)))
        return
    exists = (
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{args.db}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == "1"
    )
    if args.reseed or not exists:
        create_database(args.db)
        started = time.perf_counter()
        counts = seed(args.db, args.scale)
        print(f"seeded {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    # Measure in a fresh process: the peak memory is then the computation's own.
    result = subprocess.run(
        [sys.executable, __file__, "--db", args.db, "--workers", str(args.workers), "--measure"],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(figures, indent=2))
    # One line per figure for benchmarks/run.py (`make bench`).
    seconds, floor = figures["computation_seconds"], figures["floor_seconds"]
    for line in (
        {
            "figure": "assessment of a full period",
            "value": seconds,
            "unit": "s",
            "floor": floor,
            "target": "≤ 60 s and ≤ 3 × floor",
            "ok": seconds < 60 and seconds < 3 * floor,
        },
        {
            "figure": "assessment peak memory",
            "value": figures["peak_rss_mb"],
            "unit": "MB",
            "floor": None,
            "target": "≤ 500 MB",
            "ok": figures["peak_rss_mb"] < 500,
        },
    ):
        print("BENCH " + json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
