"""Real production processes on loopback for the services tests.

The tests start gunicorn, Celery workers and Celery beat with the commands of
``coop_portal/processes.py`` (those of docker-compose.yml), with production settings (DEBUG
off, a secret key from the environment), against the test's own PostgreSQL database (the one
pytest-django created and migrated) and a Redis server of their own on a free port, so that
they may stop it. Several web processes (each on a port of its own) and several workers may
run at once; with ``object_storage`` they all keep uploads in one S3 bucket of moto's server,
as production on several machines does. Every process is stopped when the test ends, whatever
happened.
"""

from __future__ import annotations

import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils.crypto import get_random_string
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from moto.server import ThreadedMotoServer

from coop_portal import processes
from members.models import User

PASSWORD = "correct horse battery staple"
SECRET_KEY = "services-test-secret-key-that-is-long-and-random-0123456789abcdefghij"

services_available = bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql"
# The marker and the condition of every module here, as in tests/coop_portal/test_worker.py.
SERVICES = [
    pytest.mark.services,
    pytest.mark.skipif(
        not services_available, reason="needs REDIS_URL and a PostgreSQL DATABASE_URL"
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    condition: Callable[[], Any], *, timeout: float, message: str, every: float = 0.2
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{message} (waited {timeout:.0f} s)")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and every child it forked (prefork pool, gunicorn workers)."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


@dataclass
class RedisServer:
    port: int
    directory: Path
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.directory / "redis.log"
        with log.open("a") as output:
            popen = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.process = Process("redis", popen, log)
        wait_for(self._answers, timeout=15, message="redis-server did not start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def address(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def database_url() -> str:
    """The address of the test's own database (the one pytest-django made and migrated)."""
    database = settings.DATABASES["default"]
    user = quote(database["USER"], safe="")
    if database.get("PASSWORD"):
        user += ":" + quote(database["PASSWORD"], safe="")
    return f"postgres://{user}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@dataclass
class Stack:
    """The production processes of one test, all stopped at its end."""

    directory: Path
    redis: RedisServer
    env_overrides: dict[str, str] = field(default_factory=dict)
    web_port: int = 0
    started: list[Process] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """The address of the first web process."""
        return address(self.web_port)

    @property
    def mail_dir(self) -> Path:
        return self.directory / "mail"

    def env(self) -> dict[str, str]:
        clean = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER"}
            and not key.startswith("PYTEST")
        }
        return {
            **clean,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            # Production: DEBUG is off because the secret key comes from the environment.
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://127.0.0.1:{self.web_port}",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            # Four slashes: django-environ drops the first of an absolute path.
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "MEDIA_ROOT": str(self.directory / "media"),
            # The image collects static files when it is built; these tests serve none.
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "PYTHONUNBUFFERED": "1",
            **self.env_overrides,
        }

    def run(self, command: list[str], *, name: str, timeout: float = 120) -> str:
        result = subprocess.run(
            command,
            cwd=settings.BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{name} failed:\n{output}"
        return output

    def start(self, name: str, command: list[str], *, env: dict[str, str] | None = None) -> Process:
        log = self.directory / f"{name}-{len(self.started)}.log"
        with log.open("w") as output:
            popen = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env={**self.env(), **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own process group, so that a kill reaches the children it forks.
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def start_web(self, port: int | None = None) -> Process:
        """A gunicorn on ``port``, the stack's first web port unless told."""
        port = port or self.web_port
        # The command line's --bind takes precedence over gunicorn.conf.py's.
        command = [*processes.WEB, "--bind", f"127.0.0.1:{port}"]
        web = self.start("web", command)
        wait_for(
            lambda: self._healthy(web, address(port)),
            timeout=60,
            message="gunicorn did not become healthy",
        )
        return web

    def start_webs(self, count: int) -> list[str]:
        """``count`` web processes, each on a port of its own, as behind a load balancer;
        returns their addresses, the first web port's first."""
        ports = [self.web_port, *(free_port() for _ in range(count - 1))]
        for port in ports:
            self.start_web(port)
        return [address(port) for port in ports]

    def _healthy(self, web: Process, url: str) -> bool:
        assert web.alive(), web.output()
        try:
            response = requests.get(
                f"{url}/readyz", headers={"X-Forwarded-Proto": "https"}, timeout=5
            )
        except requests.RequestException:
            return False
        return response.status_code == 200

    def start_worker(self, name: str = "worker") -> Process:
        # One worker for both queues here; production runs one per queue.
        command = processes.with_option(processes.WORKER_LONG, "--queues", "long,short")
        # Celery tells workers apart by their node name, which must differ on one machine.
        command = processes.with_option(command, "--hostname", f"{name}@%h")
        worker = self.start(name, command, env={"WORKER_CONCURRENCY": "2"})

        def ready() -> bool:
            assert worker.alive(), worker.output()
            return " ready." in worker.output()

        wait_for(ready, timeout=60, message="the Celery worker did not get ready")
        return worker

    def start_workers(self, count: int) -> list[Process]:
        """``count`` workers on the same queues: any of them may take any task."""
        return [self.start_worker(f"worker{number}") for number in range(1, count + 1)]

    def start_beat(self) -> Process:
        schedule = str(self.directory / "celerybeat-schedule")
        return self.start("beat", processes.with_option(processes.BEAT, "--schedule", schedule))

    def stop(self) -> None:
        for process in reversed(self.started):
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.output()[-4000:]}" for p in self.started)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), directory=tmp_path)
    server.start()
    yield server
    server.stop()


@dataclass
class ObjectStorage:
    """moto's S3 server on loopback with the portal's bucket: the shared object storage of
    production on several machines (MinIO, a cloud's S3)."""

    server: ThreadedMotoServer
    bucket: str = "coop-stack-media"
    access_key: str = "portal"
    secret_key: str = "portal-secret"

    @property
    def endpoint(self) -> str:
        host, port = self.server.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def env(self) -> dict[str, str]:
        """The settings that put every process's uploads into the bucket."""
        return {
            "MEDIA_S3_BUCKET": self.bucket,
            "MEDIA_S3_ENDPOINT_URL": self.endpoint,
            "MEDIA_S3_REGION": "us-east-1",
            "MEDIA_S3_ACCESS_KEY_ID": self.access_key,
            "MEDIA_S3_SECRET_ACCESS_KEY": self.secret_key,
        }

    def objects(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path, redis_server: RedisServer) -> Iterator[Stack]:
    (tmp_path / "mail").mkdir()
    (tmp_path / "media").mkdir()
    production = Stack(directory=tmp_path, redis=redis_server, web_port=free_port())
    try:
        yield production
    finally:
        production.stop()
        # Shown by pytest when the test failed.
        print(production.logs())  # noqa: T201


@pytest.fixture
def object_storage(stack: Stack) -> Iterator[ObjectStorage]:
    """A bucket on moto's server that every process of the stack keeps its uploads in (start
    the processes after asking for it)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    storage = ObjectStorage(server)
    storage.client().create_bucket(Bucket=storage.bucket)
    stack.env_overrides.update(storage.env())
    try:
        yield storage
    finally:
        client = storage.client()
        for key in storage.objects():
            client.delete_object(Bucket=storage.bucket, Key=key)
        client.delete_bucket(Bucket=storage.bucket)
        server.stop()


def with_password(user: User) -> User:
    """Give the user PASSWORD hashed as production checks it (the suite's own hasher is MD5,
    which production does not accept); few iterations keep the test fast."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, get_random_string(12), iterations=1000)
    user.save(update_fields=["password"])
    return user


# Through a TLS-terminating proxy: the portal sees https and its cookies are Secure.
class Browser(requests.Session):
    """A requests session that talks to gunicorn as if through the TLS proxy in front of it."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "en"})
        self.via(base_url)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        target = url.decode() if isinstance(url, bytes) else url
        if target.startswith("/"):
            target = self.base_url + target
        response = super().request(method, target, *args, **kwargs)
        # The portal's cookies are Secure; the TLS proxy's https ends before loopback, so
        # they go back over http here as the browser sends them over https.
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def via(self, base_url: str) -> Browser:
        """The same person, signed in or not, through another web process (the load balancer
        sent the next request elsewhere)."""
        self.base_url = base_url
        self.headers["Origin"] = base_url.replace("http://", "https://")
        return self

    def form(self, path: str) -> dict[str, str]:
        """GET a page and return its hidden inputs (the CSRF token, form keys)."""
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code, page.text[:2000])
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))

    def post_form(self, path: str, data: dict[str, Any], *, form_page: str | None = None) -> Any:
        hidden = self.form(form_page or path)
        return self.post(path, data={**hidden, **data})

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        """The log-in page, then (for an account with a device) the code of its app."""
        response = self.post_form("/accounts/login/", {"username": email, "password": password})
        assert response.status_code == 302, (response.status_code, response.text[:3000])
        if response.headers["Location"].endswith("/accounts/two-factor/verify/"):
            device = TOTPDevice.objects.get(user__email=email, confirmed=True)
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            response = self.post_form(
                "/accounts/two-factor/verify/", {"token": f"{totp.token():06d}"}
            )
            assert response.status_code == 302, (response.status_code, response.text[:3000])
        assert "sessionid" in self.cookies


@pytest.fixture
def browser(stack: Stack) -> Callable[[], Browser]:
    return lambda: Browser(stack.base_url)


@dataclass
class Portal:
    """One cooperative ready for the journey: charter, catalogue, two members with pledges,
    and the people who use it (passwords that production accepts)."""

    cooperative: Any
    member_a: Any
    member_b: Any
    administrator: User
    regulator: User
    member_user: User
    lab_secret: str


@pytest.fixture
def portal(transactional_db: None) -> Portal:
    from charter.setup import setup_charter
    from inspections.models import LabApiToken
    from inspections.services import issue_api_token
    from inspections.setup import setup_catalogue
    from members.models import Role
    from tests.factories import (
        CooperativeFactory,
        LabFactory,
        MemberFactory,
        RoleFactory,
        UserFactory,
    )
    from tests.pledges.pledge_factories import published

    cooperative = CooperativeFactory(
        slug="nantong", name_zh="南通家纺质量合作社", name_en="Nantong Home Textiles"
    )
    setup_charter(cooperative)
    setup_catalogue(cooperative, "home-textiles")
    member_a = MemberFactory(cooperative=cooperative, name="南通甲家纺有限公司", name_en="Firm A")
    member_b = MemberFactory(cooperative=cooperative, name="南通乙家纺有限公司", name_en="Firm B")
    for member in (member_a, member_b):
        published(member)

    def person(email: str, kind: str, **role: Any) -> User:
        user = with_password(UserFactory(email=email))
        RoleFactory(user=user, cooperative=cooperative, kind=kind, **role)
        return user

    administrator = person("admin@nantong.example.cn", Role.Kind.ADMINISTRATOR)
    User.objects.filter(pk=administrator.pk).update(is_staff=True)
    # Administrators log in with two factors (coop_portal/accounts.py).
    TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    lab = LabFactory(name_zh="国家家纺检测中心", name_en="National home-textile test centre")
    lab.cooperatives.add(cooperative)
    return Portal(
        cooperative=cooperative,
        member_a=member_a,
        member_b=member_b,
        administrator=administrator,
        regulator=person("regulator@amr.example.cn", Role.Kind.REGULATOR),
        member_user=person(
            "owner@firm-a.example.cn", Role.Kind.MEMBER_USER, member=member_a, is_owner=True
        ),
        lab_secret=issue_api_token(LabApiToken(lab=lab, cooperative=cooperative, name="LIMS")),
    )


def file_complaint(
    consumer: Browser,
    portal: Portal,
    product: str,
    *,
    follow: bool = False,
    evidence: bytes | None = None,
) -> Any:
    """A consumer files a complaint against member A through the public form; returns it.

    With ``follow`` the consumer then presses "Follow the complaint", which sends the reference
    and the code to the tracking page and opens the complaint for this browser. With
    ``evidence`` (a JPEG) a photo goes with it, and the member may see the consumer's details
    and evidence once the complaint is forwarded."""
    from complaints.models import Complaint

    path = f"/complaints/{portal.cooperative.slug}/file/"
    hidden = consumer.form(path)
    fields = {
        **hidden,
        "member": portal.member_a.pk,
        "product": product,
        "description": "洗了一次就掉色，染到了别的衣服。",
        "desired_outcome": "退货退款",
        "contact_name": "王五",
        "contact_email": "wang.wu@example.com",
        "website": "",
    }
    files = {}
    if evidence is not None:
        fields["share_contact"] = "on"
        files["evidence"] = ("photo.jpg", evidence, "image/jpeg")
    response = consumer.post(path, data=fields, files=files or None)
    assert response.status_code == 200, (response.status_code, response.text[:3000])
    reference = re.search(r"[A-Z]{2}-\d{4}-\d{6}", response.text)
    assert reference is not None, response.text[:3000]
    complaint = Complaint.objects.get(reference=reference.group())
    if follow:
        button = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text)
        )
        followed = consumer.post(f"/complaints/{portal.cooperative.slug}/track/", data=button)
        assert followed.status_code == 302, (followed.status_code, followed.text[:3000])
    return complaint


def forward_complaint(administrator: Browser, portal: Portal, complaint: Any) -> None:
    """The administrator accepts the complaint and forwards it to the member."""
    desk = f"/complaints/{portal.cooperative.slug}/manage/{complaint.pk}/"
    for step in ("accept", "forward"):
        response = administrator.post_form(
            f"{desk}{step}/", {f"{step}-text": "已核实"}, form_page=desk
        )
        assert response.status_code == 302, (step, response.text[:2000])


def assessed_period(portal: Portal) -> str:
    """The second half of last year: over, so that its assessment may be published."""
    return f"{portal.cooperative.today().year - 1}-H2"


def deliver_results(lab: Browser, portal: Portal) -> None:
    """A lab delivers two results of the assessed period through its token API: member A
    passes, member B fails critically."""
    day = datetime.date(portal.cooperative.today().year - 1, 9, 1)
    for report_no, member, verdict, severity in (
        ("NT-001", portal.member_a, "pass", ""),
        ("NT-002", portal.member_b, "fail", "critical"),
    ):
        response = lab.post(
            "/api/v1/lab/inspections/",
            json={
                "report_no": report_no,
                "credit_code": member.credit_code,
                "product": "全棉四件套",
                "category": "bedding",
                "sampled_on": day.isoformat(),
                "reported_on": day.isoformat(),
                "verdict": verdict,
                "severity": severity,
            },
            headers={"Authorization": f"Token {portal.lab_secret}"},
        )
        assert response.status_code == 201, response.text


def compute_assessment(stack: Stack, regulator: Browser, portal: Portal) -> Any:
    """The regulator starts the assessment of the assessed period; returns its run once a
    worker has computed the draft."""
    from pledges.models import AssessmentRun

    review = f"/pledges/assessments/{portal.cooperative.slug}/review/"
    code = assessed_period(portal)
    response = regulator.post_form(f"{review}start/", {"code": code}, form_page=review)
    assert response.status_code == 302, response.text[:2000]
    found = re.search(r"/review/(\d+)/$", response.headers["Location"])
    assert found is not None, response.headers["Location"]
    return run_reaching(
        int(found.group(1)),
        AssessmentRun.Status.DRAFT,
        message="the worker did not compute the assessment\n" + stack.logs(),
    )


def publish_assessment(stack: Stack, regulator: Browser, portal: Portal, run: Any) -> None:
    """The regulator confirms the publication on its page; returns once a worker published."""
    from pledges.models import AssessmentRun

    page = f"/pledges/assessments/{portal.cooperative.slug}/review/{run.pk}/publish/"
    response = regulator.post_form(page, {"note": "", "confirm": "on"})
    assert response.status_code == 302, response.text[:2000]
    run_reaching(
        run.pk,
        AssessmentRun.Status.PUBLISHED,
        message="no worker published the assessment\n" + stack.logs(),
    )


def run_reaching(run_id: int, status: str, *, message: str) -> Any:
    """The assessment run once a worker has moved it to ``status``."""
    from pledges.models import AssessmentRun

    return wait_for(
        lambda: AssessmentRun.objects.filter(pk=run_id, status=status).first(),
        timeout=90,
        message=message,
    )


def download_pdf(browser: Browser, path: str, stack: Stack) -> bytes:
    """The PDF at ``path`` once a worker has drawn it (until then the portal answers 202)."""

    def drawn() -> bytes | None:
        response = browser.get(path)
        assert response.status_code in (200, 202), (path, response.status_code)
        return response.content if response.status_code == 200 else None

    document: bytes = wait_for(
        drawn, timeout=120, every=1, message=f"no worker drew {path}\n" + stack.logs()
    )
    assert document.startswith(b"%PDF"), document[:200]
    return document
