"""The reference dataset of the benchmarks (issue 10): seeded, deterministic, loaded with COPY.

    .venv/bin/python -m benchmarks.dataset [--scale 1.0] [--reseed]

At scale 1.0: 100,000 members across three cooperatives (home textiles, rice, vehicle
inspection), 2,000,000 inspections of which a share carry their item results, 500,000
complaints, the members' pledges (with their commitments, several versions for some) and
each cooperative's charter versions with their scoring policies. ``--scale 0.1`` ("small")
is a tenth of every count; the catalogue, the cooperatives and the charters stay the same.

Other benchmark modules call, from any process (Django set up or not)::

    from benchmarks.dataset import ensure_dataset
    db = ensure_dataset(0.1)      # → "coop_bench_dataset_0_1", seeded and migrated

It seeds the database only when it does not hold this generator's version at this scale
already (a table ``bench_dataset`` in the database records version, scale, seed and the
counts), so ``make bench`` seeds once per scale; it always applies the project's migrations.
Runs of ``ensure_dataset`` wait for each other (a file lock), so two benchmarks may ask at
the same time.

What is realistic about it (the same seed always gives the same rows, ids included):
- members: 70% home textiles, 20% rice, 10% vehicle inspection stations; sole
  proprietors, small and medium firms and a few above designated size; joined 2012–2025,
  2% only in 2026 (not assessed for 2025), a few withdrawn or removed (some before 2025);
- inspections: every one sampled in 2025 (the assessed period) on a working day, reported
  3–15 days later (a few after the period, which the assessment must leave out); how often
  a member is sampled and how often it fails vary by member (large firms are sampled more
  and fail less); severities minor/major/critical about 65/28/7; most failures re-tested
  passing within weeks, some never; a few voided; 5% carry every item result of their
  category's catalogue, failed ones with one or two failing items;
- complaints: accepted through 2025 (6% rejected), answered and resolved after delays that
  depend on the member's diligence, some late or never, 12% of the resolved ones upheld;
- pledges: most members one published version, a fifth a second one in 2025, some only a
  draft, none, a withdrawn one or one published only in 2026; targets at or stricter than
  the charter's minimums, now and then a kind left out (assessed against the charter);
- charters: version 1 in force from 2000; home textiles publish version 2 (pass rate at
  least 92%) from 2024, rice version 2 (answers within 5 days) from 2025-07-01.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import fcntl
import io
import itertools
import json
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DSN_BASE = "postgres://postgres@127.0.0.1:5432/"
# Bump when the generator changes what it writes, or when the schema changes in a way the
# migrations of a seeded database cannot follow (3: the pledges migrations squashed into a new
# 0001): databases seeded by another version are seeded again.
GENERATOR_VERSION = 3
SEED = 20_251_231
FULL_COUNTS = {"members": 100_000, "inspections": 2_000_000, "complaints": 500_000}
# Every inspection is sampled and every complaint accepted in this period.
PERIOD_CODE = "2025"
PERIOD_FIRST = datetime.date(2025, 1, 1)
PERIOD_LAST = datetime.date(2025, 12, 31)
# Share of inspections that carry their item results.
ITEM_RESULTS_SHARE = 0.05
CREATED_AT = "2026-01-10 09:00:00+08"
META_TABLE = "bench_dataset"


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    products: tuple[str, ...]
    weight: int
    # Items of this category for an industry without a catalogue in inspections/setup.py:
    # (code, Chinese name, English name, unit, limit text).
    items: tuple[tuple[str, str, str, str, str], ...] = ()


@dataclass(frozen=True)
class CooperativeSpec:
    slug: str
    name_zh: str
    name_en: str
    industry: str
    share: float
    region: str  # administrative division code in the credit codes
    places: tuple[str, ...]
    trades: tuple[str, ...]  # what the firm names end with (firms, sole proprietors)
    sole_trades: tuple[str, ...]
    sole_proprietors: float
    above_scale: float
    labs: tuple[str, ...]
    report_prefix: str
    categories: tuple[Category, ...]
    critical_share: int  # of 100 failures, how many are critical


COOPERATIVES: tuple[CooperativeSpec, ...] = (
    CooperativeSpec(
        slug="nantong-home-textiles",
        name_zh="南通家纺产业质量合作社",
        name_en="Nantong Home Textiles Quality Cooperative",
        industry="home-textiles",
        share=0.7,
        region="320612",
        places=("南通", "通州", "川姜", "志浩", "叠石桥", "海门", "三星"),
        trades=("家纺有限公司", "纺织品有限公司", "床上用品有限公司", "寝具有限公司"),
        sole_trades=("家纺商行", "床品经营部", "布艺店", "家纺工作室"),
        sole_proprietors=0.35,
        above_scale=0.06,
        labs=("国家家用纺织品产品质量检验检测中心（南通）", "南通市纤维检验所"),
        report_prefix="FJ",
        categories=(
            Category("fabrics", "面料", "Fabrics", ("涤棉面料", "全棉印花布", "色织布"), 15),
            Category(
                "fibre-products", "纤维制品", "Fibre products", ("羽绒被", "蚕丝被", "枕芯"), 25
            ),
            Category("garments", "服装", "Garments", ("睡衣", "家居服", "浴袍"), 10),
            Category(
                "bedding", "床上用品", "Bedding", ("四件套", "床单", "被套", "床笠", "毛毯"), 50
            ),
        ),
        critical_share=6,
    ),
    CooperativeSpec(
        slug="rice",
        name_zh="苏中大米质量合作社",
        name_en="Central Jiangsu Rice Quality Cooperative",
        industry="rice",
        share=0.2,
        region="321081",
        places=("仪征", "兴化", "宝应", "高邮", "射阳", "建湖"),
        trades=("米业有限公司", "粮油有限公司", "农业科技有限公司"),
        sole_trades=("粮油经营部", "米厂", "大米商行"),
        sole_proprietors=0.4,
        above_scale=0.04,
        labs=("江苏省粮油质量监测中心", "扬州市产品质量监督检验所"),
        report_prefix="DM",
        categories=(
            Category(
                "rice",
                "大米",
                "Rice",
                ("粳米", "籼米", "糯米", "香米"),
                80,
                (
                    ("broken-kernels", "碎米", "Broken kernels", "%", "≤ 15.0（GB/T 1354 二级）"),
                    ("moisture", "水分", "Moisture", "%", "≤ 15.5"),
                    ("impurities", "杂质", "Impurities", "%", "≤ 0.25"),
                    ("cadmium", "镉", "Cadmium", "mg/kg", "≤ 0.2（GB 2762）"),
                    ("aflatoxin-b1", "黄曲霉毒素B1", "Aflatoxin B1", "μg/kg", "≤ 10（GB 2761）"),
                    ("taste-score", "品尝评分值", "Taste score", "", "≥ 70"),
                ),
            ),
            Category(
                "paddy",
                "稻谷",
                "Paddy",
                ("早籼稻", "中晚粳稻"),
                20,
                (
                    ("moisture", "水分", "Moisture", "%", "≤ 14.5"),
                    ("head-rice", "整精米率", "Head rice yield", "%", "≥ 50"),
                    ("yellow-kernels", "黄粒米", "Yellow kernels", "%", "≤ 1.0"),
                    ("cadmium", "镉", "Cadmium", "mg/kg", "≤ 0.2（GB 2762）"),
                ),
            ),
        ),
        critical_share=9,
    ),
    CooperativeSpec(
        slug="vehicle-inspection",
        name_zh="机动车检验检测质量合作社",
        name_en="Motor Vehicle Inspection Quality Cooperative",
        industry="vehicle-inspection",
        share=0.1,
        region="320602",
        places=("崇川", "港闸", "通州", "海安", "如皋", "启东", "如东"),
        trades=("机动车检测有限公司", "机动车安全技术检验有限公司", "汽车检测服务有限公司"),
        sole_trades=("汽车检测服务部",),
        sole_proprietors=0.05,
        above_scale=0.1,
        labs=("江苏省计量科学研究院", "南通市计量检定测试所"),
        report_prefix="JC",
        categories=(
            Category(
                "safety-inspection",
                "安全技术检验",
                "Safety inspection",
                ("小型汽车安检", "货车安检", "客车安检"),
                60,
                (
                    ("braking", "制动性能", "Braking performance", "%", "≥ 60（GB 7258）"),
                    ("headlamps", "前照灯", "Headlamps", "cd", "≥ 15000"),
                    ("sideslip", "侧滑", "Sideslip", "m/km", "± 5"),
                    ("speedometer", "车速表", "Speedometer", "km/h", "32.8 – 40.0"),
                    ("records", "检验记录", "Inspection records", "", "完整、真实"),
                ),
            ),
            Category(
                "emissions",
                "排放检验",
                "Emissions testing",
                ("汽油车排放", "柴油车排放"),
                40,
                (
                    ("co", "一氧化碳", "Carbon monoxide", "g/km", "≤ 3.5"),
                    ("hc-nox", "碳氢化合物+氮氧化物", "HC + NOx", "g/km", "≤ 1.5"),
                    ("opacity", "光吸收系数", "Opacity", "m⁻¹", "≤ 1.2"),
                    ("equipment-check", "设备期间核查", "Equipment check", "", "合格"),
                ),
            ),
        ),
        critical_share=8,
    ),
)
COOPERATIVE_SLUGS = tuple(spec.slug for spec in COOPERATIVES)

SYLLABLES = (
    "安邦博昌诚达鼎东丰福富恒宏华佳嘉金锦晶俊凯康乐力隆美明南宁鹏启庆瑞润盛顺泰天通万伟祥鑫兴"
    "雅阳怡益银永裕源远悦泽振正中卓"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
GIVEN = "建国伟华明军平芳英红霞勇杰涛斌丽强磊洋艳敏静秀兰玉萍海燕春林"
ROADS = ("人民路", "工农路", "青年路", "世纪大道", "通富路", "川姜大道", "开发区纬一路", "长江路")


def dsn(db: str) -> str:
    return DSN_BASE + db


def scale_tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


def database_name(scale: float) -> str:
    """The database of the reference dataset at this scale."""
    return f"coop_bench_dataset_{scale_tag(scale)}"


def counts_for(scale: float) -> dict[str, int]:
    if not 0 < scale <= 10:
        raise ValueError(f"scale must be above 0 and at most 10, not {scale}")
    return {name: max(1, round(count * scale)) for name, count in FULL_COUNTS.items()}


def ensure_dataset(scale: float = 1.0, *, reseed: bool = False) -> str:
    """The name of a PostgreSQL database holding the reference dataset at ``scale``, migrated.

    Seeds it (in a child process, a few minutes at scale 1.0) only when it is missing or was
    seeded by another generator version or scale, or with ``reseed``. Safe to call from a
    process that has set Django up for another database, and from two processes at once.
    """
    command = [sys.executable, "-m", "benchmarks.dataset", "--scale", repr(float(scale))]
    if reseed:
        command.append("--reseed")
    # Its progress goes to this process's standard error; its output is the database name.
    process = subprocess.run(
        command, cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, text=True, check=False
    )
    if process.returncode != 0:
        raise RuntimeError(f"seeding the reference dataset failed:\n{process.stdout[-2000:]}")
    return database_name(scale)


def describe(db: str) -> dict[str, Any] | None:
    """What the dataset database records about itself (version, scale, seed, counts, ids)."""
    import psycopg

    try:
        with psycopg.connect(dsn(db)) as connection, connection.cursor() as cursor:
            cursor.execute(f"SELECT description FROM {META_TABLE} LIMIT 1")
            row = cursor.fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def _child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return env


# Seeding -----------------------------------------------------------------------------------


def _exists(db: str) -> bool:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return out == "1"


def _create_database(db: str) -> None:
    psql = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *psql, "--if-exists", "--force", db], check=True)
    subprocess.run(["createdb", *psql, db], check=True)


def _setup_django(db: str) -> None:
    os.environ["DATABASE_URL"] = dsn(db)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop_portal.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _columns(cursor: Any, table: str) -> list[tuple[str, str, bool]]:
    """(name, type, nullable) of a table's columns other than id."""
    cursor.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = 'public' ORDER BY ordinal_position",
        [table],
    )
    return [row for row in cursor.fetchall() if row[0] != "id"]


# What a NOT NULL column that the generator does not know gets (columns other apps add).
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
    "date": "2025-01-01",
    "timestamp with time zone": CREATED_AT,
}


def _escape(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def copy_rows(raw: Any, table: str, known: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows (tuples in the order of ``known``) into a table; a NOT NULL column the
    generator does not know gets a neutral value."""
    with raw.cursor() as cursor:
        columns = _columns(cursor, table)
    missing = [name for name in known if name not in {c[0] for c in columns}]
    if missing:
        raise RuntimeError(f"{table} has no column {missing}: update benchmarks/dataset.py")
    extra = [(name, kind) for name, kind, nullable in columns if name not in known and not nullable]
    names = [*known, *(name for name, _kind in extra)]
    tail = "".join("\t" + FILLER.get(kind, "") for _name, kind in extra)
    quoted = ", ".join(f'"{name}"' for name in names)
    count = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(_escape, row)))
            buffer.write(tail)
            buffer.write("\n")
            count += 1
            if count % 20_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _credit_code(number: int, region: str, sole: bool) -> str:
    from members.credit_code import ALPHABET, check_character

    body = ""
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        body = ALPHABET[digit] + body
    stem = ("92" if sole else "91") + region + "M" + body
    return stem + check_character(stem)


class Days:
    """ISO texts of days, by their offset from the period's first day."""

    LOW = -6000

    def __init__(self) -> None:
        self.texts = [
            (PERIOD_FIRST + datetime.timedelta(days=offset)).isoformat()
            for offset in range(self.LOW, 2000)
        ]

    def __call__(self, offset: int) -> str:
        return self.texts[offset - self.LOW]

    @staticmethod
    def of(day: datetime.date) -> int:
        return (day - PERIOD_FIRST).days


@dataclass
class MemberPlan:
    id: int
    cooperative: int  # index in COOPERATIVES
    sole: bool
    above_scale: bool
    joined: int  # day offset
    left: int | None
    sampled_weight: float
    fail_rate: float
    complaint_weight: float
    diligence: float  # 0 (slow) .. 1 (prompt)


def _member_rows(
    rng: random.Random, count: int, coop_ids: list[int], days: Days
) -> tuple[list[MemberPlan], list[tuple[object, ...]]]:
    plans: list[MemberPlan] = []
    rows: list[tuple[object, ...]] = []
    shares = list(itertools.accumulate(spec.share for spec in COOPERATIVES))
    for n in range(count):
        index = bisect.bisect_right(shares, (n + 0.5) / count * shares[-1])
        index = min(index, len(COOPERATIVES) - 1)
        spec = COOPERATIVES[index]
        sole = rng.random() < spec.sole_proprietors
        above = not sole and rng.random() < spec.above_scale
        # Joined 2012–2025 (more in recent years); 2% only in 2026.
        if rng.random() < 0.02:
            joined = rng.randrange(Days.of(datetime.date(2026, 1, 5)), 500)
        else:
            joined = -int(rng.betavariate(1.3, 2.2) * 4748)  # back to 2012-01-01
        left: int | None = None
        status = "active"
        roll = rng.random() if joined < 300 else 1.0
        if roll < 0.05:
            status = "warned"
        elif roll < 0.07:
            status = "suspended"
        elif roll < 0.10:
            status = "withdrawn"
            left = rng.randrange(max(joined + 30, -700), 360)
        elif roll < 0.12:
            status = "removed"
            left = rng.randrange(max(joined + 30, -700), 360)
        place = rng.choice(spec.places)
        brand = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))
        name = (
            f"{place}市{brand}{rng.choice(spec.sole_trades)}（个体工商户）"
            if sole
            else f"{place}{brand}{rng.choice(spec.trades)}"
        )
        person = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN)))
        size = 3.0 if above else (0.6 if sole else 1.0)
        plans.append(
            MemberPlan(
                id=0,
                cooperative=index,
                sole=sole,
                above_scale=above,
                joined=joined,
                left=left,
                sampled_weight=size * rng.lognormvariate(0, 0.7),
                fail_rate=rng.betavariate(1.2, 14) * (0.5 if above else 1.0),
                complaint_weight=size * rng.lognormvariate(0, 0.9),
                diligence=rng.betavariate(4, 1.5),
            )
        )
        rows.append(
            (
                coop_ids[index],
                _credit_code(n + 1, spec.region, sole),
                name,
                "sole_proprietor" if sole else "firm",
                "" if sole else ("above_scale" if above else "sme"),
                status,
                days(joined),
                None if left is None else days(left),
                f"{place}{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
                person,
                f"0513-{rng.randrange(80000000, 89999999)}",
                CREATED_AT,
                CREATED_AT,
            )
        )
    return plans, rows


MEMBER_COLUMNS = [
    "cooperative_id",
    "credit_code",
    "name",
    "kind",
    "scale",
    "status",
    "joined_on",
    "left_on",
    "address",
    "contact_person",
    "phone",
    "created_at",
    "updated_at",
]


def _first_id(raw: Any, table: str, expected: int) -> int:
    """The id of the first of ``expected`` rows just copied into an empty table (they are
    consecutive: one session, one sequence)."""
    with raw.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id), count(*) FROM {table}")
        low, high, count = cursor.fetchone()
    if count != expected or high - low + 1 != expected:
        raise RuntimeError(f"{table}: expected {expected} consecutive ids, found {count}")
    return int(low)


def _weighted(rng: random.Random, cumulative: Sequence[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _working_day(rng: random.Random) -> int:
    day = rng.randrange(365)
    weekday = (PERIOD_FIRST.weekday() + day) % 7
    if weekday >= 5:  # weekend: the Friday before or the Monday after
        day += -1 if weekday == 5 else 1
    return min(max(day, 0), 364)


def seed(db: str, scale: float) -> dict[str, Any]:
    """Create every row of the dataset in the (migrated, empty) database ``db``."""
    from django.db import connection, transaction

    from charter.models import CharterVersion, ScoringPolicy
    from charter.setup import DEFAULT_SECTIONS, setup_charter
    from inspections.models import TestCategory, TestItem
    from inspections.setup import INDUSTRY_ITEMS, setup_catalogue
    from members.models import Cooperative, Lab

    counts = counts_for(scale)
    rng = random.Random(SEED)
    days = Days()
    started = time.perf_counter()

    def progress(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

    # Cooperatives, charters, catalogues and labs, through the ORM (a few hundred rows).
    coop_ids: list[int] = []
    categories: list[list[tuple[int, Category, list[tuple[int, str, str, str]]]]] = []
    labs: list[list[str]] = []
    with transaction.atomic():
        for spec in COOPERATIVES:
            cooperative = Cooperative.objects.create(
                slug=spec.slug,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                industry=spec.industry,
                description_zh=f"{spec.name_zh}（基准数据集）",
                description_en=f"{spec.name_en} (benchmark dataset)",
            )
            coop_ids.append(cooperative.pk)
            first = setup_charter(cooperative)
            _second_charter(cooperative, first, CharterVersion, ScoringPolicy, DEFAULT_SECTIONS)
            if spec.industry in INDUSTRY_ITEMS:
                setup_catalogue(cooperative, spec.industry)
            own: list[tuple[int, Category, list[tuple[int, str, str, str]]]] = []
            for category in spec.categories:
                found, _created = TestCategory.objects.get_or_create(
                    cooperative=cooperative,
                    code=category.code,
                    defaults={"name_zh": category.name_zh, "name_en": category.name_en},
                )
                for code, name_zh, name_en, unit, limit in category.items:
                    TestItem.objects.get_or_create(
                        category=found,
                        code=code,
                        defaults={
                            "name_zh": name_zh,
                            "name_en": name_en,
                            "unit": unit,
                            "limit_text": limit,
                            "result_type": TestItem.ResultType.TEXT,
                        },
                    )
                items = [
                    (item.pk, item.code, item.limit_text, item.unit)
                    for item in TestItem.objects.filter(category=found).order_by("code")
                ]
                own.append((found.pk, category, items))
            categories.append(own)
            names = []
            for lab_name in spec.labs:
                lab, _created = Lab.objects.get_or_create(name_zh=lab_name)
                lab.cooperatives.add(cooperative)
                names.append(lab_name)
            labs.append(names)

    connection.ensure_connection()
    raw = connection.connection  # COPY speaks to the psycopg connection directly
    raw.commit()

    plans, member_rows = _member_rows(rng, counts["members"], coop_ids, days)
    copy_rows(raw, "members_member", MEMBER_COLUMNS, member_rows)
    first_member = _first_id(raw, "members_member", len(plans))
    for offset, plan in enumerate(plans):
        plan.id = first_member + offset
    del member_rows
    progress(f"{len(plans)} members")

    pledge_count, commitment_count = _seed_pledges(raw, rng, plans, days)
    progress(f"{pledge_count} pledges, {commitment_count} commitments")

    inspection_count, item_count, with_items = _seed_inspections(
        raw, rng, plans, coop_ids, categories, labs, counts["inspections"], days
    )
    progress(f"{inspection_count} inspections, {item_count} item results of {with_items}")

    complaint_count = _seed_complaints(raw, rng, plans, coop_ids, counts["complaints"], days)
    progress(f"{complaint_count} complaints")

    raw.commit()
    # What autovacuum does to a production database after a bulk load (PostgreSQL 13+ vacuums
    # after inserts): statistics, and the visibility map that lets the assessment read its
    # covering indexes without visiting the tables. Done here because autovacuum may be off
    # on a benchmark machine (it is on this one).
    autocommit = raw.autocommit
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        raw.autocommit = autocommit
    return {
        "cooperatives": list(COOPERATIVE_SLUGS),
        "period": PERIOD_CODE,
        "members": len(plans),
        "pledges": pledge_count,
        "commitments": commitment_count,
        "inspections": inspection_count,
        "inspections_with_items": with_items,
        "item_results": item_count,
        "complaints": complaint_count,
        "first_member_id": first_member,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _second_charter(
    cooperative: Any, first: Any, CharterVersion: Any, ScoringPolicy: Any, sections: dict
) -> None:
    """A second charter version for two of the cooperatives, stricter on one figure."""
    changes = {
        "nantong-home-textiles": (
            datetime.date(2024, 1, 1),
            {"min_pass_rate": 92},
            "抽检合格率最低承诺值提高到92%。",
            "The lowest pledged pass rate rises to 92%.",
        ),
        "rice": (
            datetime.date(2025, 7, 1),
            {"max_response_days": 5},
            "投诉答复期限缩短为5天。",
            "Complaints must be answered within 5 days.",
        ),
    }
    if cooperative.slug not in changes:
        return
    effective, policy, note_zh, note_en = changes[cooperative.slug]
    version = CharterVersion.objects.create(
        cooperative=cooperative,
        number=first.number + 1,
        effective_from=effective,
        status=CharterVersion.Status.PUBLISHED,
        published_at=datetime.datetime.combine(
            effective - datetime.timedelta(days=30), datetime.time(9), datetime.UTC
        ),
        title_zh=first.title_zh,
        title_en=first.title_en,
        change_note_zh=note_zh,
        change_note_en=note_en,
        **sections,
    )
    ScoringPolicy.objects.create(charter_version=version, **policy)


def _minimums(plan: MemberPlan) -> dict[str, float]:
    """The charter minimums in force for a member's cooperative in 2025."""
    slug = COOPERATIVES[plan.cooperative].slug
    return {
        "pass_rate": 92.0 if slug == "nantong-home-textiles" else 90.0,
        "response_days": 5.0 if slug == "rice" else 7.0,
        "resolution_days": 30.0,
        "rectification_days": 60.0,
    }


def _targets(rng: random.Random, plan: MemberPlan) -> list[tuple[str, str]]:
    minimum = _minimums(plan)
    options: dict[str, list[tuple[float, float]]] = {
        "pass_rate": [(90, 3), (92, 4), (95, 3), (96, 1), (98, 1), (100, 0.3)],
        "response_days": [(1, 1), (2, 2), (3, 4), (5, 3), (7, 3)],
        "resolution_days": [(7, 1), (10, 2), (15, 4), (20, 3), (30, 3)],
        "rectification_days": [(15, 1), (30, 4), (45, 3), (60, 3)],
    }
    chosen = []
    for kind, choices in options.items():
        if rng.random() < 0.04:
            continue  # left out: assessed against the charter's minimum
        stricter = [
            (target, weight)
            for target, weight in choices
            if (target >= minimum[kind] if kind == "pass_rate" else target <= minimum[kind])
        ]
        value = rng.choices([t for t, _w in stricter], [w for _t, w in stricter])[0]
        chosen.append((kind, f"{value:.1f}"))
    return chosen


PLEDGE_COLUMNS = [
    "member_id",
    "version",
    "status",
    "published_on",
    "withdrawn_on",
    "statement",
    "promises",
    "valid_from",
    "valid_until",
    "signatory_name",
    "signatory_title",
    "created_at",
]
STATEMENTS = (
    "本单位承诺严格执行合作社统一的产品标准和检验检测要求，对抽检不合格产品按期整改，及时答复和处理消费者投诉。",
    "我们承诺所售产品符合明示标准，接受监督抽查和社会监督，诚信经营。",
    "本企业郑重承诺：产品质量符合标准，售后服务及时到位，投诉限期办结。",
)
PROMISES = (
    "七天无理由退换。",
    "质量问题包退包换，运费由本单位承担。",
    "",
    "提供一年免费售后服务。",
)


def _seed_pledges(
    raw: Any, rng: random.Random, plans: list[MemberPlan], days: Days
) -> tuple[int, int]:
    pledges: list[tuple[object, ...]] = []
    targets: list[list[tuple[str, str]]] = []
    for plan in plans:
        roll = rng.random()
        start = max(plan.joined, -1100) + rng.randrange(0, 120)
        signatory = (
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            rng.choice(("总经理", "法定代表人", "首席质量官", "经营者")),
        )
        # (version, status, published, withdrawn) of each version the member has.
        versions: list[tuple[int, str, int | None, int | None]]
        if roll < 0.04:
            versions = []  # never pledged
        elif plan.joined > 300:
            versions = [(1, "published", start, None)]  # joined at the end of the period
        elif roll < 0.05:
            versions = [(1, rng.choice(("draft", "submitted", "returned")), None, None)]
        elif roll < 0.07:
            versions = [(1, "published", max(start, 370), None)]  # only in 2026
        elif roll < 0.085:
            published = min(start, 100)
            versions = [(1, "withdrawn", published, rng.randrange(published + 30, 364))]
        elif roll < 0.285 and start < 0:
            versions = [
                (1, "published", start, None),
                (2, "published", rng.randrange(max(start + 60, 0), 330), None),
            ]
        else:
            versions = [(1, "published", min(start, 250), None)]
        for number, status, published_on, withdrawn in versions:
            valid_from = published_on if published_on is not None else start
            pledges.append(
                (
                    plan.id,
                    number,
                    status,
                    None if published_on is None else days(published_on),
                    None if withdrawn is None else days(withdrawn),
                    rng.choice(STATEMENTS),
                    rng.choice(PROMISES),
                    days(valid_from),
                    days(valid_from + 3 * 365),
                    *signatory,
                    CREATED_AT,
                )
            )
            targets.append(_targets(rng, plan))
    copy_rows(raw, "pledges_pledge", PLEDGE_COLUMNS, pledges)
    first = _first_id(raw, "pledges_pledge", len(pledges))
    commitments = (
        (first + offset, kind, target)
        for offset, chosen in enumerate(targets)
        for kind, target in chosen
    )
    count = copy_rows(raw, "pledges_commitment", ["pledge_id", "kind", "target"], commitments)
    raw.commit()
    return len(pledges), count


INSPECTION_COLUMNS = [
    "cooperative_id",
    "report_no",
    "member_id",
    "product",
    "category_id",
    "sampled_on",
    "reported_on",
    "lab_name",
    "kind",
    "verdict",
    "severity",
    "status",
    "rectified_on",
    "created_at",
    "source",
    "void_note",
]


def _seed_inspections(
    raw: Any,
    rng: random.Random,
    plans: list[MemberPlan],
    coop_ids: list[int],
    categories: list[list[tuple[int, Category, list[tuple[int, str, str, str]]]]],
    labs: list[list[str]],
    count: int,
    days: Days,
) -> tuple[int, int, int]:
    # Members active in 2025 are sampled, in proportion to their weight.
    eligible = [
        plan for plan in plans if plan.joined <= 364 and (plan.left is None or plan.left >= 0)
    ]
    cumulative = list(itertools.accumulate(plan.sampled_weight for plan in eligible))
    category_weights = [
        list(itertools.accumulate(category.weight for _id, category, _items in own))
        for own in categories
    ]
    # (row number, cooperative index, category index, failed)
    with_items: list[tuple[int, int, int, bool]] = []
    sequence = [0] * len(COOPERATIVES)

    def rows() -> Iterator[tuple[object, ...]]:
        for n in range(count):
            plan = eligible[_weighted(rng, cumulative)]
            index = plan.cooperative
            spec = COOPERATIVES[index]
            which = _weighted(rng, category_weights[index])
            category_id, category, items = categories[index][which]
            sampled = _working_day(rng)
            if plan.joined > sampled:
                sampled = min(max(plan.joined, 0), 364)
            reported = sampled + 3 + int(rng.triangular(0, 12, 4))
            failed = rng.random() < plan.fail_rate
            severity, rectified = "", None
            if failed:
                roll = rng.randrange(100)
                severity = (
                    "critical"
                    if roll < spec.critical_share
                    else ("major" if roll < spec.critical_share + 28 else "minor")
                )
                if rng.random() < 0.82:
                    rectified = days(reported + 5 + int(rng.expovariate(1 / 28)))
            voided = rng.random() < 0.003
            sequence[index] += 1
            if items and rng.random() < ITEM_RESULTS_SHARE:
                with_items.append((n, index, which, failed))
            yield (
                coop_ids[index],
                f"{spec.report_prefix}2025{sequence[index]:08d}",
                plan.id,
                rng.choice(category.products),
                category_id,
                days(sampled),
                days(reported),
                rng.choice(labs[index]),
                "supervision" if rng.random() < 0.8 else "commissioned",
                "fail" if failed else "pass",
                severity,
                "voided" if voided else "final",
                rectified,
                CREATED_AT,
                "import",
                "报告编号录入错误，已作废重发。" if voided else "",
            )

    copied = copy_rows(raw, "inspections_inspection", INSPECTION_COLUMNS, rows())
    first = _first_id(raw, "inspections_inspection", copied)

    # Item results: every item of the category; a failed inspection has one or two failing.
    item_count = 0

    def item_rows() -> Iterator[tuple[object, ...]]:
        nonlocal item_count
        for n, index, which, failed in with_items:
            _category_id, _category, items = categories[index][which]
            failing = set(rng.sample(range(len(items)), min(len(items), rng.choice((1, 1, 2)))))
            for position, (item_id, _code, limit, unit) in enumerate(items):
                bad = failed and position in failing
                item_count += 1
                yield (
                    first + n,
                    item_id,
                    ("不符合" if bad else "符合") + (f"（{unit}）" if unit else ""),
                    limit,
                    "fail" if bad else "pass",
                )

    copy_rows(
        raw,
        "inspections_itemresult",
        ["inspection_id", "item_id", "measured_value", "limit", "result"],
        item_rows(),
    )
    raw.commit()
    return copied, item_count, len(with_items)


COMPLAINT_COLUMNS = [
    "cooperative_id",
    "reference",
    "member_id",
    "status",
    "received_on",
    "accepted_on",
    "forwarded_on",
    "responded_on",
    "resolved_on",
    "upheld_on",
    "closed_on",
    "closing_code",
    "response_due_on",
    "resolution_due_on",
    "summary",
    "product",
    "description",
    "desired_outcome",
    "language",
    "created_at",
]
COMPLAINTS = (
    ("四件套洗后严重褪色", "床单"),
    ("被芯填充物与标签不符", "羽绒被"),
    ("产品有刺鼻异味", "四件套"),
    ("大米中发现霉变颗粒", "粳米"),
    ("净含量不足", "香米"),
    ("检测报告与车辆实际状况不符", "小型汽车安检"),
    ("检测收费高于公示标准", "货车安检"),
    ("起球严重，使用一周即破损", "毛毯"),
)


def _seed_complaints(
    raw: Any,
    rng: random.Random,
    plans: list[MemberPlan],
    coop_ids: list[int],
    count: int,
    days: Days,
) -> int:
    eligible = [
        plan for plan in plans if plan.joined <= 364 and (plan.left is None or plan.left >= 0)
    ]
    cumulative = list(itertools.accumulate(plan.complaint_weight for plan in eligible))

    def rows() -> Iterator[tuple[object, ...]]:
        for n in range(count):
            plan = eligible[_weighted(rng, cumulative)]
            accepted = rng.randrange(365)
            received = accepted - min(int(rng.expovariate(1.2)), 3)
            summary, product = rng.choice(COMPLAINTS)
            response_days, resolution_days = _minimums(plan)["response_days"], 30
            if rng.random() < 0.06:
                yield (
                    coop_ids[plan.cooperative], f"TS2025{n + 1:08d}", plan.id, "rejected",
                    days(received), None, None, None, None, None, days(accepted),
                    rng.choice(("out_of_scope", "duplicate", "insufficient_information")),
                    None, None, summary, product, summary + "。", "退货退款", "zh-hans",
                    CREATED_AT,
                )  # fmt: skip
                continue
            slow = 1 - plan.diligence
            responded = resolved = upheld = closed = None
            code = ""
            if rng.random() < 0.93:
                responded = accepted + int(rng.expovariate(1 / (1 + 8 * slow)))
            if responded is not None and rng.random() < 0.8:
                resolved = responded + int(rng.expovariate(1 / (4 + 30 * slow)))
                code = rng.choice(("relief_given", "explained", "not_substantiated", "withdrawn"))
                closed = resolved
                if rng.random() < 0.12:
                    upheld = resolved
            status = (
                "resolved"
                if resolved is not None
                else ("answered" if responded is not None else "forwarded")
            )
            yield (
                coop_ids[plan.cooperative],
                f"TS2025{n + 1:08d}",
                plan.id,
                status,
                days(received),
                days(accepted),
                days(accepted),
                None if responded is None else days(responded),
                None if resolved is None else days(resolved),
                None if upheld is None else days(upheld),
                None if closed is None else days(closed),
                code,
                days(accepted + int(response_days)),
                days(accepted + resolution_days),
                summary,
                product,
                summary + "，要求商家处理。",
                rng.choice(("退货退款", "换货", "赔偿", "道歉并说明原因")),
                "zh-hans",
                CREATED_AT,
            )

    count = copy_rows(raw, "complaints_complaint", COMPLAINT_COLUMNS, rows())
    raw.commit()
    return count


# The command -------------------------------------------------------------------------------


def _recorded(db: str) -> dict[str, Any] | None:
    return describe(db) if _exists(db) else None


def _record(db: str, description: dict[str, Any]) -> None:
    import psycopg

    with psycopg.connect(dsn(db)) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {META_TABLE} (description jsonb NOT NULL)")
        cursor.execute(
            f"INSERT INTO {META_TABLE} VALUES (%s)",
            [json.dumps(description, ensure_ascii=False)],
        )


def matches(description: dict[str, Any] | None, scale: float) -> bool:
    return (
        description is not None
        and description.get("version") == GENERATOR_VERSION
        and description.get("seed") == SEED
        and math.isclose(float(description.get("scale", -1)), scale)
    )


def prepare(scale: float, reseed: bool) -> str:
    """Seed (or reuse) and migrate the dataset database in this process; returns its name."""
    db = database_name(scale)
    lock_path = Path(f"/tmp/{db}.lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        description = _recorded(db)
        fresh = reseed or not matches(description, scale)
        if fresh:
            print(f"seeding {db} at scale {scale:g} …", file=sys.stderr, flush=True)
            _create_database(db)
        _setup_django(db)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if fresh:
            counts = seed(db, scale)
            description = {"version": GENERATOR_VERSION, "seed": SEED, "scale": scale, **counts}
            _record(db, description)
            print(f"seeded {db}: {json.dumps(description)}", file=sys.stderr, flush=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    args = parser.parse_args()
    print(prepare(args.scale, args.reseed))


if __name__ == "__main__":
    main()
