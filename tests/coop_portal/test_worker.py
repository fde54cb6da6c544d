"""A real Celery worker process against the real Redis (CI's PostgreSQL + Redis run)."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from coop_portal import processes
from coop_portal.mail import queue_mail
from coop_portal.models import OutboxEmail

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and connection.vendor == "postgresql"),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL",
    ),
]


@pytest.fixture
def worker(transactional_db, tmp_path):
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            processes.with_option(processes.WORKER_SHORT, "--queues", "short,long"),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        process.log = log
        yield process
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_task_queued_on_commit_by_the_web_side_is_run_by_a_real_worker(worker, settings):
    from coop_portal.celery import app

    assert app.conf.task_always_eager is False
    email = queue_mail(["firm@example.cn"], "email/test", {"name": "甲公司"}, language="zh-hans")
    assert email is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.sent_at is not None:
            break
        assert worker.poll() is None, worker.log.read_text()
        time.sleep(0.5)
    assert email.sent_at is not None, "the worker did not send the e-mail within 60 s"
    assert OutboxEmail.objects.pending().count() == 0
