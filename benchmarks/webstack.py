"""The portal's web process for the load benchmarks: its database, its pages, and gunicorn.

The web benchmarks (bench_pages, bench_complaints, bench_pdf, bench_soak) share:

- a database: a copy of the reference dataset (benchmarks/dataset.py, ``ensure_dataset``)
  named ``coop_bench_web_<scale>``, so that complaints filed by a benchmark never change the
  dataset the other benchmarks read. The copy is made with ``createdb --template`` (a file
  copy, seconds) and kept while the dataset it was copied from stays the same. The dataset
  holds no assessment, so the copy gets one: the smallest cooperative's period is computed
  and published through ``manage.py assess --publish``, as a regulator would. ``--database``
  names an existing database instead (development), which must hold a published assessment;
- the pages: the public pages of the issue's list, for members drawn with a fixed seed;
- the web process: gunicorn started with the command of coop_portal/processes.py (that of
  docker-compose.yml: 2 sync workers, the access log on stdout) on a free loopback port, with
  the production environment (DEBUG off, a secret key, DATABASE_URL, REDIS_URL) and the
  settings of benchmarks/settings.py, which are production's plus the trivial view.
"""

from __future__ import annotations

import fcntl
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.loadgen import Request

ROOT = Path(__file__).resolve().parent.parent
DSN_BASE = "postgres://postgres@127.0.0.1:5432/"
SETTINGS = "benchmarks.settings"
PSQL = ["-h", "127.0.0.1", "-U", "postgres"]
# How many members the page mix draws (each page kind then cycles through them).
SAMPLE = 200
SEED = 20_260_110


def web_database_name(scale: float) -> str:
    return f"coop_bench_web_{f'{scale:g}'.replace('.', '_')}"


def prepared_database(scale: float, database: str | None = None) -> str:
    """The database the web benchmarks run against (see the module's docstring)."""
    if database:
        return database
    from benchmarks.dataset import describe, ensure_dataset

    source = ensure_dataset(scale)
    target = web_database_name(scale)
    # The dataset's own lock: no seeding of the source while it is copied.
    with Path(f"/tmp/{source}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if describe(target) is None or describe(target) != describe(source):
            print(f"copying {source} to {target} …", flush=True)
            started = time.perf_counter()
            subprocess.run(["dropdb", *PSQL, "--if-exists", "--force", target], check=True)
            subprocess.run(["createdb", *PSQL, "--template", source, target], check=True)
            print(f"copied in {time.perf_counter() - started:.1f} s", flush=True)
    return target


# One per benchmark process, shared by the servers it starts and its own Django: what one keys
# with it (the complaint form's bound keys) the other can check.
SECRET_KEY = secrets.token_urlsafe(50)


def production_env(database: str, media_root: Path, site_url: str) -> dict[str, str]:
    """Production's environment (but REDIS_URL), with the benchmarks' settings."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "REDIS_URL"}
    }
    return {
        **clean,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        # DEBUG is off because the secret key is set; said explicitly all the same.
        "DEBUG": "off",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": site_url,
        "DATABASE_URL": DSN_BASE + database,
        "MEDIA_ROOT": str(media_root),
    }


def setup_django(database: str, media_root: Path) -> None:
    """Django in this process, on the benchmark database, with production settings.

    Without REDIS_URL: what this process does (preparing, rendering PDFs) runs its Celery
    tasks in-process and leaves nothing queued for a worker that is not there.
    """
    os.environ.update(production_env(database, media_root, "https://127.0.0.1"))
    os.environ.pop("REDIS_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def static_files_current() -> bool:
    """Whether the collected static files (and their manifest) are newer than every source."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > collected:
                return False
    return True


def prepare_site() -> dict[str, Any]:
    """Migrate, collect static files, and make sure a published assessment exists."""
    from django.core.management import call_command
    from django.db.models import Count

    from members.models import Cooperative
    from pledges.assessment import published

    call_command("migrate", verbosity=0)
    # Compressing every file takes minutes on a busy machine: only when something changed.
    if not static_files_current():
        started = time.perf_counter()
        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"static files collected in {time.perf_counter() - started:.1f} s", flush=True)
    run = published.current_runs().select_related("period__cooperative").order_by("-pk").first()
    if run is None:
        from django.db import connection

        from benchmarks.dataset import describe

        description = describe(connection.settings_dict["NAME"])
        if description is None:
            raise SystemExit(
                "The database holds no published assessment and is not a benchmark dataset: "
                "publish one (manage.py assess --publish) or leave out --database."
            )
        smallest = (
            Cooperative.objects.annotate(size=Count("members")).order_by("size", "slug").first()
        )
        assert smallest is not None
        started = time.perf_counter()
        call_command(
            "assess", cooperative=smallest.slug, period=description["period"], publish=True
        )
        print(f"assessment published in {time.perf_counter() - started:.1f} s", flush=True)
        run = published.current_runs().select_related("period__cooperative").get()
    return {"run": run}


@dataclass
class Site:
    """What the benchmarks request: the public page mix and the complaint form."""

    pages: list[Request]
    # Further public pages for the soak's broader mix.
    more_pages: list[Request]
    trivial: Request
    complaint_form: str
    # (id, name) of members a consumer complains about, having searched the form by name.
    complaint_members: list[tuple[int, str]]
    # How many members the form's member choice lists without a search.
    complaint_choices: int
    directory_members: int
    directory_pages: int
    assessed_members: int

    def describe(self) -> str:
        kinds = sorted({request.name for request in self.pages})
        return (
            f"page mix of {len(self.pages)} requests over {len(kinds)} kinds ({', '.join(kinds)}); "
            f"directory of {self.directory_members:,} members in {self.directory_pages:,} pages; "
            f"assessment of {self.assessed_members:,} members"
        )


def site() -> Site:
    """The pages, for members drawn with a fixed seed (Django set up)."""
    from django.urls import reverse

    from members import views as member_views
    from members.models import Cooperative, Member
    from pledges.assessment import published
    from pledges.models import MemberAssessment

    run = published.current_runs().select_related("period__cooperative").order_by("-pk").first()
    if run is None:
        raise SystemExit("no published assessment: run prepare_site() first")
    rng = random.Random(SEED)
    # The directory of the largest cooperative: its last page is the deepest.
    largest = max(
        Cooperative.objects.order_by("slug"), key=lambda found: found.members.public().count()
    )
    public = largest.members.public()
    total = public.count()
    last_page = max(1, math.ceil(total / member_views.PAGE_SIZE))
    codes = list(public.order_by("pk").values_list("credit_code", flat=True))
    members = rng.sample(codes, min(SAMPLE, len(codes)))
    assessed = list(
        MemberAssessment.objects.filter(run=run, member__in=Member.objects.public())
        .order_by("member_id")
        .values_list("member__credit_code", flat=True)
    )
    results = rng.sample(assessed, min(SAMPLE, len(assessed)))
    slug = largest.slug
    assessed_slug = run.period.cooperative.slug
    code = run.period.code
    directory = reverse("members:directory", args=[slug])
    fixed = [
        Request("home", reverse("home")),
        Request("directory, first page", directory),
        Request("directory, last page", f"{directory}?page={last_page}"),
        Request("assessment periods", reverse("pledges:public_periods", args=[assessed_slug])),
    ]
    pages: list[Request] = []
    for number in range(max(len(members), len(results))):
        member = members[number % len(members)]
        result = results[number % len(results)]
        pages.extend(
            [
                fixed[0],
                fixed[1],
                fixed[2],
                Request("member page", reverse("members:member", args=[slug, member])),
                Request("pledge page", reverse("pledges:member", args=[slug, member])),
                fixed[3],
                Request(
                    "why this score",
                    reverse("pledges:public_member", args=[assessed_slug, code, result]),
                ),
            ]
        )
    more_pages = [
        Request("cooperative home", reverse("members:cooperative", args=[slug])),
        Request("charter", reverse("charter:current", args=[slug])),
    ]
    for member in members:
        more_pages.append(
            Request("spot-check record", reverse("inspections:public_member", args=[slug, member]))
        )
    complaint_members = list(
        public.exclude(status__in=[Member.Status.REMOVED, Member.Status.WITHDRAWN])
        .order_by("pk")
        .values_list("pk", "name")
    )
    return Site(
        pages=pages,
        more_pages=more_pages,
        trivial=Request("trivial view", "/bench/trivial/"),
        complaint_form=reverse("complaints:file", args=[slug]),
        complaint_members=rng.sample(complaint_members, min(SAMPLE, len(complaint_members))),
        complaint_choices=len(complaint_members),
        directory_members=total,
        directory_pages=last_page,
        assessed_members=len(assessed),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_command(name: str, **options: str) -> list[str]:
    """A command of coop_portal/processes.py with some options' values replaced or added."""
    from coop_portal import processes

    command = list(getattr(processes, name))
    for option, value in options.items():
        flag = f"--{option}"
        if flag in command:
            command[command.index(flag) + 1] = value
        else:
            command += [flag, value]
    return command


class Service:
    """A production process started in its own process group, stopped on exit."""

    name = ""

    def __init__(self, command: list[str], env: dict[str, str], directory: Path) -> None:
        self.command = command
        self.env = env
        self.log = directory / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Service:
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{self.name} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.3)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        # An error the process logged is part of the result: show the first one.
        output = self.output()
        if "Traceback" in output:
            start = output.index("Traceback")
            print(f"{self.name} logged errors ({output.count('Traceback')} tracebacks); the first:")
            print(output[max(0, start - 300) : start + 4000])

    def ready(self) -> bool:
        raise NotImplementedError

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def children(self) -> list[int]:
        """The process ids of the workers the main process forked."""
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            return sorted(
                int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            )
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the forked workers have used so far."""
        total = 0
        for pid in self.children():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime and stime, the 14th and 15th fields of proc(5), in clock ticks.
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Gunicorn(Service):
    """The production web process (2 sync workers) on a free loopback port."""

    name = "gunicorn"

    def __init__(self, database: str, redis_url: str, directory: Path) -> None:
        self.port = free_port()
        env = {
            **production_env(database, directory / "media", f"https://127.0.0.1:{self.port}"),
            "REDIS_URL": redis_url,
        }
        super().__init__(production_command("WEB", bind=f"127.0.0.1:{self.port}"), env, directory)

    def __enter__(self) -> Gunicorn:
        super().__enter__()
        return self

    def ready(self) -> bool:
        # Both workers forked, and one of them answers the health check.
        if len(self.children()) < 2:
            return False
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/readyz", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def wait_until_idle(self, timeout: float = 120.0) -> bool:
        """Wait until the health check answers within half a second (the queue has drained)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = time.monotonic()
            if self.ready() and time.monotonic() - started < 0.5:
                return True
            time.sleep(1)
        return False

    def worker_rss_mb(self) -> dict[int, float]:
        """Each worker's resident memory (VmRSS), in MB."""
        sizes = {}
        for pid in self.children():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return sizes


class CeleryWorker(Service):
    """The production Celery worker, which sends the e-mail the web process queues."""

    name = "celery-worker"

    def __init__(self, web: Gunicorn, directory: Path) -> None:
        super().__init__(
            production_command("WORKER_SHORT", queues="short,long"), web.env, directory
        )

    def ready(self) -> bool:
        return " ready." in self.output()


def workdir() -> tempfile.TemporaryDirectory[str]:
    directory = tempfile.TemporaryDirectory(prefix="coop-bench-web-")
    (Path(directory.name) / "media").mkdir()
    return directory


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        raise SystemExit("REDIS_URL must name the benchmark's Redis (make bench sets it)")
    return url


def bench(figure: str, value: float, unit: str, floor: float | None, target: str, ok: bool) -> None:
    """One figure for benchmarks/run.py."""
    import json

    line = {"figure": figure, "value": round(value, 3), "unit": unit, "floor": floor}
    print(
        "BENCH " + json.dumps({**line, "target": target, "ok": ok}, ensure_ascii=False), flush=True
    )
