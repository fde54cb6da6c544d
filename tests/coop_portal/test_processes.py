"""The production processes' settings and probes (coop_portal/processes.py, probes.py,
gunicorn.conf.py)."""

import os
import runpy
import time
from pathlib import Path

from django.conf import settings

from coop_portal import probes, processes
from coop_portal.celery import app
from coop_portal.settings import redis_database


def test_the_cache_lives_in_the_redis_database_after_the_brokers():
    assert redis_database("redis://redis:6379/0", 1) == "redis://redis:6379/1"
    assert redis_database("redis://:secret@redis:6379/4", 1) == "redis://:secret@redis:6379/5"
    assert redis_database("redis://redis:6379", 1) == "redis://redis:6379/1"


def test_long_work_goes_to_the_long_queue_and_everything_else_to_the_short_one():
    app.loader.import_default_modules()

    def queue(task: str) -> str:
        route = app.amqp.router.route({}, task)
        return route["queue"].name

    for task in (
        "pledges.assessment.tasks.compute_run_chunk",
        "pledges.assessment.pdf.render_notice_pdf",
        "pledges.assessment.schedule.assess_closed_periods",
        "pledges.tasks.render_pledge_pdf_task",
        "inspections.tasks.open_missing_rectifications_task",
    ):
        assert queue(task) == "long", task
    for task in (
        "coop_portal.tasks.send_outbox_email",
        "coop_portal.tasks.flush_outbox",
        "complaints.tasks.send_complaint_reminders",
    ):
        assert queue(task) == "short", task


def test_every_job_of_several_hours_runs_at_fixed_clock_times():
    from celery.schedules import crontab

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        if not isinstance(schedule, crontab):
            assert schedule.total_seconds() < 30 * 60, name


def test_gunicorn_reads_its_settings_from_the_environment(monkeypatch):
    path = str(Path(settings.BASE_DIR, "gunicorn.conf.py"))
    defaults = runpy.run_path(path)
    assert (defaults["workers"], defaults["timeout"]) == (2, 30)
    assert defaults["max_requests"] > 0
    assert defaults["max_requests_jitter"] > 0
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "300")
    configured = runpy.run_path(path)
    assert (configured["workers"], configured["timeout"], configured["max_requests"]) == (
        5,
        45,
        300,
    )


def test_the_beat_probe_fails_when_the_schedule_is_missing_or_stale(monkeypatch, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    monkeypatch.setattr(processes, "BEAT_SCHEDULE", str(schedule))
    assert "does not exist" in probes.beat()
    schedule.write_bytes(b"state")
    assert probes.beat() is None
    stale = time.time() - probes.BEAT_STALE_SECONDS - 60
    os.utime(schedule, (stale, stale))
    assert "not saved for" in probes.beat()


def test_the_web_probe_fails_when_nothing_answers(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:1")
    assert "/readyz" in probes.web()


def test_the_probe_command_refuses_what_it_does_not_know(capsys):
    assert probes.main(["database"]) == 2
    assert "usage" in capsys.readouterr().err
