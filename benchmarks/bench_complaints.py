"""Complaints filed on the public form at a sustained rate, then counted in the database.

    .venv/bin/python -m benchmarks.bench_complaints [--scale S] [--database DB] [--rate 50]
                                                    [--seconds N]

On the web benchmarks' database (benchmarks/webstack.py), gunicorn (2 workers, production
settings) and the production Celery worker (which sends the e-mail each complaint queues)
run as in docker-compose.yml. A load generator on loopback files ``--rate`` complaints a
second (open loop: a slow answer does not hold the next consumer back): each consumer finds
the member on the form by its name (GET ``?q=<name>&member=<id>``: the form's first step,
which also gives the CSRF cookie and token and the form key), then sends the form (POST,
multipart as a browser does, the honeypot field left empty). A submission counts as filed
only when the answer is the page with its reference and tracking code.

Afterwards every form key sent must be stored as a complaint, and every e-mail the
complaints queued must be sent by the worker; then the run's complaints and e-mail are
deleted, so that the database stays the same from run to run. Last, the form without a search — which lists
every member of the cooperative in its member choice — is timed on its own.

The portal limits submissions per client address (5 an hour), and counts the address from
REMOTE_ADDR only — it trusts no forwarded-for header, so client addresses cannot be spread.
benchmarks/settings.py therefore raises the limit's threshold for this benchmark; the limit is
still checked in Redis on every submission, and the honeypot stays as it is.

The load runs three times in a row (``--repeats``), the server let idle in between; the
submissions' p95 reported is the worst of the three, so that one lucky run does not hide an
unstable one.

Targets: 50 submissions a second sustained, p95 ≤ 200 ms in every repeat, no error, every
complaint stored and every e-mail sent once.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

from benchmarks import loadgen, webstack

TARGET_P95_MS = 200.0
FORM = "complaint form (GET)"
SUBMISSION = "complaint submission (POST)"


def submissions(
    client: loadgen.Client, form_path: str, members: Sequence[tuple[int, str]], keys: list[str]
) -> loadgen.Scenario:
    """One consumer: find the member on the form by name, fill the form in, send it."""
    # The answer shows the reference, with a button that sends it to the tracking page.
    filed = re.compile(r'name="reference" value="[A-Z]{2}-\d{4}-\d{6}"')

    def check(response: loadgen.Response) -> str:
        text = response.text()
        if "error-summary" in text:
            return "the form came back with errors"
        if not filed.search(text):
            return "the answer is not the filed complaint's page"
        return ""

    async def scenario(number: int, due: float, clock: Callable[[], float]) -> list[loadgen.Sample]:
        member, name = members[number % len(members)]
        path = f"{form_path}?{urlencode({'q': name, 'member': member})}"
        form, page = await loadgen.timed(client, loadgen.Request(FORM, path), due, clock)
        if page is None or not form.ok:
            return [form]
        hidden = loadgen.hidden_inputs(page.text())
        cookie = page.cookies().get("csrftoken", "")
        if not cookie or not hidden.get("csrfmiddlewaretoken") or not hidden.get("submission_key"):
            return [replace(form, error="no CSRF cookie, token or form key on the form")]
        keys.append(bound_key(hidden["submission_key"], cookie))
        content_type, body = loadgen.multipart(
            [
                ("csrfmiddlewaretoken", hidden["csrfmiddlewaretoken"]),
                ("submission_key", hidden["submission_key"]),
                ("member", str(member)),
                ("product", "四件套"),
                ("description", f"基准测试投诉 {number}：洗涤一次后严重褪色，床单起球。"),
                ("desired_outcome", "退货退款。"),
                ("contact_name", "王女士"),
                ("contact_phone", f"139 {number % 10000:04d} {number // 10000 % 10000:04d}"),
                ("contact_email", f"consumer{number}@example.cn"),
                ("share_contact", "on"),
                ("website", ""),
            ]
        )
        post = loadgen.Request(
            SUBMISSION,
            path,
            "POST",
            headers=(
                ("Content-Type", content_type),
                ("Cookie", f"csrftoken={cookie}"),
                ("Origin", client.origin),
                ("Referer", client.origin + path),
            ),
            body=body,
        )
        sent, _answer = await loadgen.timed(client, post, clock(), clock, check)
        return [form, sent]

    return scenario


async def every_member(client: loadgen.Client, form_path: str, count: int = 5) -> list[float]:
    """Latencies (ms) of the form without a search, one request at a time (NaN: failed)."""
    latencies = []
    loop = asyncio.get_running_loop()
    for _ in range(count):
        sample, _page = await loadgen.timed(
            client,
            loadgen.Request("complaint form, every member", form_path),
            loop.time(),
            loop.time,
        )
        latencies.append(sample.latency * 1000 if sample.ok else math.nan)
    return latencies


def bound_key(form_key: str, csrf_cookie: str) -> str:
    """The key the complaint is stored with: the form's key bound to the browser's CSRF
    secret (complaints.services.bind_submission)."""
    from complaints.services import bind_submission

    return bind_submission(form_key, csrf_cookie).key


def stored(keys: list[str], since_pk: int) -> tuple[int, int, int]:
    """(complaints stored with these form keys, e-mails they queued, of which still unsent)."""
    from complaints.models import Complaint
    from coop_portal.models import OutboxEmail

    complaints = Complaint.objects.filter(submission_key__in=keys).count()
    mail = OutboxEmail.objects.filter(pk__gt=since_pk)
    return complaints, mail.count(), mail.pending().count()


def remove(keys: list[str], since_pk: int) -> None:
    """Delete what the run filed, so that the web benchmarks' database stays as it was."""
    from complaints.models import Complaint
    from coop_portal.models import OutboxEmail

    Complaint.objects.filter(submission_key__in=keys).delete()
    OutboxEmail.objects.filter(pk__gt=since_pk).delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="an existing database instead of the dataset's copy")
    parser.add_argument("--rate", type=float, default=50.0, help="submissions a second")
    parser.add_argument("--seconds", type=float, help="of each run (60; 20 if small)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the load in a row")
    args = parser.parse_args()
    seconds = args.seconds or (60.0 if args.scale >= 1.0 else 20.0)

    database = webstack.prepared_database(args.scale, args.database)
    redis_url = webstack.redis_url()
    keys: list[str] = []
    with webstack.workdir() as directory:
        webstack.setup_django(database, Path(directory) / "media")
        webstack.prepare_site()
        site = webstack.site()
        from django.db import connections

        from coop_portal.models import OutboxEmail

        last_mail = OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        connections.close_all()
        print(f"database {database}: complaints on {site.complaint_form}")
        with (
            webstack.Gunicorn(database, redis_url, Path(directory)) as web,
            webstack.CeleryWorker(web, Path(directory)) as worker,
        ):
            client = loadgen.Client("127.0.0.1", web.port)
            # Warm the workers up on the form page; not counted, nothing sent.
            searches = [
                loadgen.Request(FORM, f"{site.complaint_form}?{urlencode({'q': name})}")
                for _member, name in site.complaint_members
            ]
            asyncio.run(loadgen.closed_loop(client, searches, 2, 3.0, warmup=0.0))
            scenario = submissions(client, site.complaint_form, site.complaint_members, keys)
            runs = []
            for _repeat in range(args.repeats):
                runs.append(asyncio.run(loadgen.open_loop(scenario, args.rate, seconds)))
                # An overloaded run leaves requests queued: let the server finish them (and
                # the next run start on an idle server), and the worker send the e-mail.
                web.wait_until_idle()
            deadline = time.monotonic() + 120
            while True:
                complaints, mail, unsent = stored(keys, last_mail)
                connections.close_all()
                if not unsent or time.monotonic() > deadline or not worker.alive():
                    break
                time.sleep(2)
            unfiltered = asyncio.run(every_member(client, site.complaint_form))
            remove(keys, last_mail)

    post_p95s, form_p95s = [], []
    filed = errors = 0
    for number, run in enumerate(runs, start=1):
        title = f"{args.rate:g} complaints a second, run {number} of {len(runs)}"
        print("\n".join(loadgen.describe(run, title=title)))
        posts = [sample for sample in run.samples if sample.name == SUBMISSION]
        forms = [sample for sample in run.samples if sample.name == FORM]
        filed += sum(1 for sample in posts if sample.ok)
        errors += len(run.errors())
        post_p95s.append(loadgen.latency_summary(posts)["p95"])
        form_p95s.append(loadgen.latency_summary(forms)["p95"])
    attempted = int(args.rate * seconds) * len(runs)
    print(
        f"{attempted} consumers, {filed} complaints filed, {complaints} stored with their form "
        f"keys; {mail} e-mails queued, {mail - unsent} sent by the worker; submission p95 per "
        f"run: {', '.join(f'{value:.0f}' for value in post_p95s)} ms"
    )
    post_p95, form_p95 = max(post_p95s), max(form_p95s)
    rate = f"{args.rate:g}/s"
    webstack.bench(
        f"complaint submission (POST) at {rate}: worst p95 of {len(runs)} runs",
        post_p95,
        "ms",
        None,
        f"≤ {TARGET_P95_MS:.0f} ms, no error",
        post_p95 <= TARGET_P95_MS and errors == 0,
    )
    webstack.bench(
        f"complaint form (GET) at {rate}: worst p95 of {len(runs)} runs",
        form_p95,
        "ms",
        None,
        f"≤ {TARGET_P95_MS:.0f} ms",
        form_p95 <= TARGET_P95_MS,
    )
    # A failed request counts as slower than any other.
    median = loadgen.percentile([math.inf if math.isnan(v) else v for v in unfiltered], 50)
    print(
        f"complaint form without a search: {', '.join(f'{value:.0f}' for value in unfiltered)} ms"
    )
    webstack.bench(
        f"complaint form without a search ({site.complaint_choices:,} members listed), median",
        median,
        "ms",
        None,
        f"≤ {TARGET_P95_MS:.0f} ms",
        median <= TARGET_P95_MS,
    )
    webstack.bench(
        f"complaints stored after {attempted} submissions",
        complaints,
        "complaints",
        None,
        f"= {attempted}, every e-mail sent",
        complaints == attempted == filed and unsent == 0,
    )


if __name__ == "__main__":
    main()
