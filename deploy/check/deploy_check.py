"""`make deploy-check`: the production recipe built, started and used, then removed.

Builds the images, starts the project's own docker-compose.yml with podman-compose (plus
compose.override.yml, which only swaps the two registry images for local ones), waits until every
service's own health probe passes, walks a journey through the TLS proxy, restarts the web and
worker containers and shows nothing was lost, then removes the containers and their volumes.
Each step is printed with the time it took; the first failure stops the check with exit code 1
(with DEPLOY_CHECK_KEEP=1 set, a failed check leaves the stack up to look at).

The steps mirror README's Deployment section: build, write .env, `compose up -d`, wait until
healthy, `manage.py check --deploy` in the web container, use, restart, `compose down -v`.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROJECT = "coopcheck"
BASE_IMAGE = "localhost/coop-base:bookworm"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
HTTPS_PORT = int(os.environ.get("CHECK_HTTPS_PORT", "18443"))
HTTP_PORT = int(os.environ.get("CHECK_HTTP_PORT", "18080"))
BASE_URL = f"https://localhost:{HTTPS_PORT}"
HEALTHY_SERVICES = (
    "postgres",
    "redis",
    "cache",
    "web",
    "worker-short",
    "worker-long",
    "beat",
    "proxy",
)
# The demo cooperative (`manage.py demo`) and its documented logins.
SLUG = "nantong-home-textiles"
REGULATOR = ("regulator@example.cn", "coop-demo-regulator")
LAB_USER = ("lab@example.cn", "coop-demo-lab")
# A closed period the demo leaves untouched.
PERIOD = f"{date.today().year - 1}-H2"

started = time.monotonic()


class CheckFailed(Exception):
    pass


def expect(condition: object, detail: object = "") -> None:
    """The check's assertion, which `python -O` cannot take away."""
    if not condition:
        raise CheckFailed(detail)


def search(pattern: str, text: str, missing: str) -> re.Match[str]:
    match = re.search(pattern, text)
    if match is None:
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text.split("<main", 1)[-1]))
        raise CheckFailed(f"{missing}; the page says: {page[:1500]}")
    return match


@contextmanager
def step(title: str) -> Iterator[None]:
    print(f"-- {title}", flush=True)
    begun = time.monotonic()
    try:
        yield
    except BaseException:
        print(f"   FAILED after {time.monotonic() - begun:.1f} s: {title}", flush=True)
        raise
    print(f"   ok in {time.monotonic() - begun:.1f} s", flush=True)


def run(*command: str | Path, capture: bool = False, check: bool = True, **kwargs: Any) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=capture,
        text=True,
        check=False,
        **kwargs,
    )
    if check and result.returncode != 0:
        detail = (result.stdout or "") + (result.stderr or "") if capture else ""
        raise RuntimeError(f"{' '.join(map(str, command))} exited {result.returncode}\n{detail}")
    return result.stdout if capture else ""


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 180, every: float = 3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            outcome = probe()
        except (requests.RequestException, RuntimeError) as error:
            outcome, last = None, str(error)
        else:
            last = ""
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}" + (f": {last}" if last else ""))
        time.sleep(every)


class Stack:
    """The compose project in a scratch directory: copies of the repository's compose file and
    of the override beside the .env this check writes, so that a developer's own .env stays out
    (compose reads the .env of the compose file's own directory). The images are built already,
    so compose builds nothing."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        shutil.copy(ROOT / "docker-compose.yml", directory / "docker-compose.yml")
        shutil.copy(HERE / "compose.override.yml", directory / "compose.override.yml")
        self.password = secrets.token_hex(16)
        (directory / ".env").write_text(
            "\n".join(
                [
                    # The README's production values, for a portal reached as localhost.
                    f"SECRET_KEY={secrets.token_urlsafe(50)}",
                    f"POSTGRES_PASSWORD={self.password}",
                    "SERVER_NAME=localhost",
                    "ALLOWED_HOSTS=localhost",
                    f"CSRF_TRUSTED_ORIGINS={BASE_URL}",
                    f"SITE_URL={BASE_URL}",
                    "DEFAULT_FROM_EMAIL=质量合作社 <noreply@localhost>",
                    "WEB_CONCURRENCY=2",
                    "WORKER_CONCURRENCY=2",
                    # Ports published on loopback only, where this machine allows servers.
                    "PUBLISH_ADDRESS=127.0.0.1",
                    f"HTTPS_PORT={HTTPS_PORT}",
                    f"HTTP_PORT={HTTP_PORT}",
                    "",
                ]
            )
        )

    def compose(self, *arguments: str, capture: bool = False) -> str:
        return run(
            "podman-compose",
            "-p",
            PROJECT,
            "-f",
            "docker-compose.yml",
            "-f",
            "compose.override.yml",
            *arguments,
            cwd=self.directory,
            capture=capture,
        )

    @staticmethod
    def container(service: str) -> str:
        return f"{PROJECT}_{service}_1"

    def exec(self, service: str, *command: str) -> str:
        return run("podman", "exec", self.container(service), *command, capture=True)

    def shell(self, code: str) -> str:
        """What Python code run by the web container's `manage.py shell` printed."""
        return self.exec("web", "python", "manage.py", "shell", "--no-imports", "-c", code)

    def healthy(self, service: str) -> bool:
        name = self.container(service)
        result = subprocess.run(
            ["podman", "healthcheck", "run", name], capture_output=True, text=True, check=False
        )
        return result.returncode == 0

    def wait_healthy(self, services: tuple[str, ...] = HEALTHY_SERVICES) -> None:
        # podman runs no health probes on its own without systemd: each is run here, as the
        # engine would, until it passes.
        for service in services:
            wait_for(f"{service} to be healthy", lambda s=service: self.healthy(s))  # type: ignore[misc]
            print(f"   {service}: healthy", flush=True)

    def migrated(self) -> bool:
        state = run(
            "podman",
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            self.container("migrate"),
            capture=True,
        ).split()
        if state[0] == "exited" and state[1] != "0":
            raise SystemExit(run("podman", "logs", self.container("migrate"), capture=True))
        return state == ["exited", "0"]

    def logs(self) -> None:
        for service in ("migrate", *HEALTHY_SERVICES):
            print(f"== {service}")
            subprocess.run(["podman", "logs", "--tail", "60", self.container(service)], check=False)


class Browser(requests.Session):
    """A visitor over HTTPS through the proxy, trusting the proxy's own certificate."""

    def __init__(self, certificate: Path) -> None:
        super().__init__()
        self.certificate = str(certificate)
        self.headers.update({"Accept-Language": "en", "Origin": BASE_URL, "Referer": BASE_URL})

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        # Per request: a session's own `verify` loses to REQUESTS_CA_BUNDLE in the environment.
        kwargs.setdefault("verify", self.certificate)
        target = BASE_URL + url if url.startswith("/") else url
        return super().request(method, target, *args, **kwargs)

    def hidden(self, path: str) -> dict[str, str]:
        page = self.get(path)
        if page.status_code != 200:
            raise RuntimeError(f"GET {path}: {page.status_code}")
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))

    def log_in(self, email: str, password: str) -> None:
        form = self.hidden("/accounts/login/")
        response = self.post(
            "/accounts/login/", data={**form, "username": email, "password": password}
        )
        if response.status_code != 302:
            raise RuntimeError(f"log-in of {email}: {response.status_code}")


def photo() -> bytes:
    """The photo the consumer attaches as evidence: a small real PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = photo()


def is_the_photo(content: bytes) -> bool:
    """The stored photo is the one sent (the portal may re-encode it to drop its metadata)."""
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        return image.size == (32, 24) and image.convert("RGB").getpixel((0, 0)) == (200, 40, 40)


SEED = f"""
from inspections.models import Lab, LabApiToken
from inspections.services import issue_api_token
from members.models import Cooperative
cooperative = Cooperative.objects.get(slug="{SLUG}")
lab = Lab.objects.filter(cooperatives=cooperative).order_by("pk").first()
token = issue_api_token(LabApiToken(lab=lab, cooperative=cooperative, name="deploy-check"))
print("TOKEN=" + token)
"""

OUTBOX = """
from coop_portal.models import OutboxEmail
print("PENDING=%d SENT=%d" % (OutboxEmail.objects.pending().count(), OutboxEmail.objects.exclude(sent_at=None).count()))
"""


def journey(stack: Stack, certificate: Path) -> dict[str, Any]:
    """A consumer, a lab, a lab system and the regulator use the portal through the proxy.
    Returns what the check looks for again after the restarts."""
    found: dict[str, Any] = {}
    with step("home page over HTTPS, and plain HTTP redirected to it"):
        home = Browser(certificate).get("/")
        expect(home.status_code == 200, home.status_code)
        expect("max-age=31536000" in home.headers["Strict-Transport-Security"])
        plain = requests.get(f"http://localhost:{HTTP_PORT}/", allow_redirects=False, timeout=30)
        expect(plain.status_code == 301, f"plain HTTP: {plain.status_code}")
        expect(plain.headers["Location"] == f"{BASE_URL}/", plain.headers["Location"])

    with step("a consumer files a complaint with a photo as evidence"):
        consumer = Browser(certificate)
        path = f"/complaints/{SLUG}/file/"
        page = consumer.get(path)
        member = search(
            r'<option value="(\d+)"', page.text, "no member to choose on the complaint form"
        )
        form = consumer.hidden(path)
        response = consumer.post(
            path,
            data={
                **form,
                "member": member.group(1),
                "product": "全棉四件套",
                "description": "洗了一次就掉色，染到了别的衣服。",
                "desired_outcome": "退货退款",
                "contact_name": "王五",
                "contact_email": "wang.wu@example.com",
                "website": "",
            },
            files={"evidence": ("photo.png", io.BytesIO(PNG), "image/png")},
        )
        expect(response.status_code == 200, (response.status_code, response.text[:2000]))
        facts = re.sub(r"<[^>]+>", " ", response.text)
        reference = search(r"Reference\s+([A-Z]+-\d{4}-\d+)", facts, "no reference after filing")
        code = search(r"Tracking code\s+([A-Z0-9-]+)", facts, "no tracking code after filing")
        # The consumer follows it later, on another device, with the reference and the code.
        consumer = Browser(certificate)
        track = f"/complaints/{SLUG}/track/"
        form = consumer.hidden(track)
        response = consumer.post(
            track, data={**form, "reference": reference.group(1), "code": code.group(1)}
        )
        expect(response.status_code == 302, (response.status_code, response.text[:2000]))
        found["consumer"], found["track"] = consumer, response.headers["Location"]
        tracked = consumer.get(found["track"])
        expect(tracked.status_code == 200, f"tracking page: {tracked.status_code}")
        expect(reference.group(1) in tracked.text, "the tracking page names another complaint")
        evidence = search(
            r'href="(/complaints/evidence/\d+/)"',
            tracked.text,
            "the tracking page shows no evidence",
        )
        found["evidence"] = evidence.group(1)
        photo = consumer.get(found["evidence"])
        expect(photo.status_code == 200, f"evidence: {photo.status_code}")
        expect(is_the_photo(photo.content), "the evidence downloaded is not the photo sent")
        print(f"   filed {reference.group(1)}", flush=True)

    with step("a lab uploads an inspections CSV on its page and confirms it"):
        lab = Browser(certificate)
        lab.log_in(*LAB_USER)
        path = f"/inspections/{SLUG}/lab/"
        form = lab.hidden(path)
        credit_code = stack.shell(
            "from members.models import Member; print(Member.objects.filter("
            f"cooperative__slug='{SLUG}', status='active').order_by('pk').first().credit_code)"
        ).strip()
        found["credit_code"] = credit_code
        day = date.today().replace(month=1, day=5).isoformat()
        csv = (
            "report_no,credit_code,product,category,sampled_on,reported_on,verdict,severity,lab\n"
            f"CHECK-CSV-1,{credit_code},全棉四件套,bedding,{day},{day},pass,,\n"
        )
        response = lab.post(
            path, data=form, files={"file": ("inspections.csv", csv.encode(), "text/csv")}
        )
        expect(response.status_code == 302, (response.status_code, response.text[:2000]))
        upload = response.headers["Location"]
        confirm_form = lab.hidden(upload)
        response = lab.post(upload + "confirm/", data=confirm_form)
        expect(
            response.status_code == 302 and response.headers["Location"].endswith("/lab/"),
            (
                response.status_code,
                response.headers.get("Location"),
            ),
        )

    with step("a lab system posts a result through the lab API"):
        token = search(
            r"TOKEN=(\S+)",
            stack.shell(SEED),
            "no API token issued",
        )
        system = Browser(certificate)
        system.headers.pop("Origin")
        response = system.post(
            "/api/v1/lab/inspections/",
            json={
                "report_no": "CHECK-API-1",
                "credit_code": found["credit_code"],
                "product": "全棉四件套",
                "category": "bedding",
                "sampled_on": date.today().replace(month=1, day=6).isoformat(),
                "reported_on": date.today().replace(month=1, day=6).isoformat(),
                "verdict": "pass",
                "severity": "",
            },
            headers={"Authorization": f"Token {token.group(1)}"},
        )
        expect(response.status_code == 201, (response.status_code, response.text))

    with step(f"the regulator starts the assessment of {PERIOD}; the long-work worker computes it"):
        regulator = Browser(certificate)
        regulator.log_in(*REGULATOR)
        review = f"/pledges/assessments/{SLUG}/review/"
        form = regulator.hidden(review)
        response = regulator.post(f"{review}start/", data={**form, "code": PERIOD})
        expect(response.status_code == 302, (response.status_code, response.text[:2000]))
        run_page = response.headers["Location"]

        def computed() -> bool:
            page = regulator.get(run_page)
            return page.status_code == 200 and f"{run_page}publish/" in page.text

        wait_for("the assessment to be computed", computed, timeout=300)
        logs = run("podman", "logs", stack.container("worker-long"), capture=True)
        expect("compute_run_chunk" in logs, "the long-work worker ran no chunk")

    with step("the regulator confirms the publication; the worker publishes; the API serves it"):
        form = regulator.hidden(f"{run_page}publish/")
        response = regulator.post(f"{run_page}publish/", data={**form, "note": "", "confirm": "on"})
        expect(response.status_code == 302, (response.status_code, response.text[:2000]))
        api = Browser(certificate)
        query = {"cooperative": SLUG, "period": PERIOD}
        served = wait_for(
            "the published results",
            lambda: (r := api.get("/api/v1/assessments/", params=query)).status_code == 200 and r,
            timeout=300,
        )
        results = served.json()["results"]
        expect(results, "the API serves no result of the published period")
        found["api"] = sorted((r["credit_code"], r["status"], r["score"]) for r in results)
        print(f"   {len(results)} results served", flush=True)

    with step("the public notice PDF, drawn by the worker, is downloaded"):
        notice = f"/pledges/assessments/{SLUG}/{PERIOD}/r1/notice.pdf"
        pdf = wait_for(
            "the notice PDF",
            lambda: (r := api.get(notice)).status_code == 200
            and r.headers["Content-Type"] == "application/pdf"
            and r,
            timeout=300,
            every=5,
        )
        expect(pdf.content.startswith(b"%PDF"), pdf.content[:20])
        found["pdf"], found["pdf_bytes"] = notice, len(pdf.content)
        print(f"   {len(pdf.content)} bytes", flush=True)

    with step("every e-mail the journey queued is sent by the short-work worker"):

        def sent() -> bool:
            counts = stack.shell(OUTBOX)
            print(f"   {counts.strip()}", flush=True)
            return "PENDING=0 " in counts

        wait_for("the outbox to empty", sent, timeout=120, every=5)
    return found


def slow_clients(certificate: Path) -> None:
    """More clients than gunicorn has workers trickle request bodies (a byte every 2 s, as a
    slowloris attacker would); the proxy holds them, so the site keeps answering at once."""
    import socket
    import ssl

    with step("slow clients trickling POST bodies do not take the site down"):
        context = ssl.create_default_context(cafile=str(certificate))
        trickling = []
        for _ in range(8):
            connection = context.wrap_socket(
                socket.create_connection(("localhost", HTTPS_PORT), timeout=10),
                server_hostname="localhost",
            )
            connection.sendall(
                f"POST /complaints/{SLUG}/file/ HTTP/1.1\r\nHost: localhost:{HTTPS_PORT}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 10000\r\n\r\n".encode()
            )
            trickling.append(connection)
        browser = Browser(certificate)
        slowest = 0.0
        for _ in range(6):
            for connection in trickling:
                connection.sendall(b"a")
            for path in ("/readyz", "/"):
                begun = time.monotonic()
                response = browser.get(path, timeout=10)
                slowest = max(slowest, time.monotonic() - begun)
                expect(response.status_code == 200, f"{path}: {response.status_code}")
            time.sleep(2)
        for connection in trickling:
            connection.close()
        expect(slowest < 2, f"a request took {slowest:.1f} s while clients trickled")
        print(
            f"   8 clients trickling for 12 s; slowest answer {slowest * 1000:.0f} ms", flush=True
        )


def observable(stack: Stack, certificate: Path) -> None:
    with step("request ids in the logs, metrics for the monitoring network only"):
        response = Browser(certificate).get("/", headers={"Accept-Language": "zh-hans"})
        request_id = response.headers["X-Request-ID"]
        logs = run("podman", "logs", stack.container("web"), capture=True)
        proxy = run("podman", "logs", stack.container("proxy"), capture=True)
        expect(f'"request_id": "{request_id}"' in logs, "gunicorn's log lacks the request id")
        expect(f"request_id={request_id}" in proxy, "nginx's log lacks the request id")
        outside = Browser(certificate).get("/metrics")
        expect(outside.status_code == 404, f"/metrics through the proxy: {outside.status_code}")
        scrape = (
            "import urllib.request; print(urllib.request.urlopen("
            "'http://127.0.0.1:8000/metrics', timeout=10).read().decode())"
        )
        text = stack.exec("web", "python", "-c", scrape)
        for metric in ("coop_portal_http_requests_total", "coop_portal_outbox_pending"):
            expect(metric in text, f"/metrics lacks {metric}")
        print(f"   request {request_id} in both logs; /metrics answered inside", flush=True)


def after_restart(certificate: Path, found: dict[str, Any], when: str = "the restarts") -> None:
    with step(f"after {when}: the complaint, its photo, the results and the PDF are all there"):
        consumer = found["consumer"]
        expect(consumer.get(found["track"]).status_code == 200)
        expect(is_the_photo(consumer.get(found["evidence"]).content))
        api = Browser(certificate)
        served = api.get("/api/v1/assessments/", params={"cooperative": SLUG, "period": PERIOD})
        expect(
            sorted((r["credit_code"], r["status"], r["score"]) for r in served.json()["results"])
            == found["api"]
        )
        pdf = api.get(found["pdf"])
        expect(pdf.status_code == 200 and len(pdf.content) == found["pdf_bytes"])


def build_base_image() -> None:
    exists = subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode == 0
    if exists:
        print(f"   {BASE_IMAGE} is there already", flush=True)
        return
    with tempfile.TemporaryDirectory(dir="/var/tmp") as scratch:
        rootfs = Path(scratch, "rootfs")
        run(
            "debootstrap",
            "--variant=minbase",
            "--include=python3,python3-venv,ca-certificates",
            "bookworm",
            rootfs,
            "http://deb.debian.org/debian",
            capture=True,
        )
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        run("podman", "import", "-", BASE_IMAGE, stdin=tar.stdout, capture=True)
        tar.wait()


def build(tag: str, context: Path, *extra: str) -> None:
    run(
        "podman",
        "build",
        "--quiet",
        "--format",
        "docker",
        "--build-arg",
        f"BASE_IMAGE={BASE_IMAGE}",
        *extra,
        "-t",
        tag,
        context,
        capture=True,
    )


def main() -> int:
    os.environ.setdefault("CONTAINERS_CONF", str(HERE / "containers.conf"))
    with step("base image from Debian's packages (debootstrap), as no registry is reachable"):
        build_base_image()
    with step("images: the portal (Dockerfile), the proxy, and local PostgreSQL and Redis"):
        secret = ["--secret", f"id=ca_bundle,src={CA_BUNDLE}"] if CA_BUNDLE.exists() else []
        build("coop-portal:latest", ROOT, *secret)
        build("coop-portal-proxy:latest", ROOT / "deploy" / "proxy")
        build("localhost/coop-check-postgres:latest", HERE, "-f", str(HERE / "postgres.Dockerfile"))
        build("localhost/coop-check-redis:latest", HERE, "-f", str(HERE / "redis.Dockerfile"))
    scratch = Path(tempfile.mkdtemp(prefix="coop-deploy-check-"))
    stack = Stack(scratch)
    try:
        use(stack, scratch)
    except BaseException:
        stack.logs()
        if os.environ.get("DEPLOY_CHECK_KEEP"):
            print(f"DEPLOY_CHECK_KEEP: the stack stays up; its directory is {scratch}")
            raise
        tear_down(stack, scratch)
        raise
    tear_down(stack, scratch)
    print(f"deploy-check passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def use(stack: Stack, scratch: Path) -> None:
    # podman-compose 1.0 does not wait for depends_on conditions: in two steps, as
    # docs/operations.md says for podman.
    with step("docker-compose.yml up -d postgres redis migrate; the migrations ran"):
        stack.compose("up", "-d", "postgres", "redis", "cache", "migrate", capture=True)
        wait_for("the migrate service to finish", stack.migrated, timeout=300)
    with step("docker-compose.yml up -d; every service's own probe passes"):
        stack.compose("up", "-d", capture=True)
        stack.wait_healthy()
    with step("manage.py check --deploy in the web container is clean"):
        checked = stack.exec(
            "web", "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"
        )
        print("   " + checked.strip())
    with step("the demo cooperative loaded (manage.py demo)"):
        stack.exec("web", "python", "manage.py", "demo")
    with step("the proxy's certificate"):
        certificate = scratch / "proxy.pem"
        certificate.write_text(stack.exec("proxy", "cat", "/etc/nginx/tls/fullchain.pem"))
    found = journey(stack, certificate)
    slow_clients(certificate)
    observable(stack, certificate)
    with step("restart the web and worker containers"):
        for service in ("web", "worker-short", "worker-long"):
            run("podman", "restart", stack.container(service), capture=True)
        stack.wait_healthy(("web", "worker-short", "worker-long", "proxy"))
    after_restart(certificate, found)
    backup_and_restore(stack, scratch, certificate, found)


def backup_and_restore(
    stack: Stack, scratch: Path, certificate: Path, found: dict[str, Any]
) -> None:
    archive = scratch / "backup.tar.gz"
    web = stack.container("web")
    with step("a backup taken from the running stack (manage.py backup -)"):
        with archive.open("wb") as stream:
            subprocess.run(
                ["podman", "exec", web, "python", "manage.py", "backup", "-"],
                stdout=stream,
                check=True,
            )
        with tarfile.open(archive) as backup:
            names = set(backup.getnames())
        # The uploaded files go in one by one under media/, read through the storage.
        media = [name for name in names if name.startswith("media/")]
        expect({"manifest.json", "database.pgdump"} <= names and media, sorted(names)[:10])
        print(f"   {archive.stat().st_size} bytes", flush=True)
    with (
        step("the backup restored into the stack (manage.py restore - --yes)"),
        archive.open("rb") as stream,
    ):
        subprocess.run(
            ["podman", "exec", "-i", web, "python", "manage.py", "restore", "-", "--yes"],
            stdin=stream,
            check=True,
        )
    after_restart(certificate, found, "the restore")


def tear_down(stack: Stack, scratch: Path) -> None:
    with step("docker-compose.yml down -v: containers, network and volumes removed"):
        stack.compose("down", "-v", capture=True)
        leftover = run("podman", "volume", "ls", "-q", "--filter", f"name={PROJECT}", capture=True)
        for volume in leftover.split():
            run("podman", "volume", "rm", "-f", volume, capture=True)
        # podman-compose 1.0 leaves the project's network behind.
        run("podman", "network", "rm", "-f", f"{PROJECT}_default", capture=True, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
