import os
import subprocess
import sys

from django.conf import settings

from coop_portal.celery import app

PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789abcdefghij",
    "ALLOWED_HOSTS": "coop.example.cn",
    "DATABASE_URL": "sqlite:////tmp/coop-portal-deploy-check.sqlite3",
    "SITE_URL": "https://coop.example.cn",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_warning_with_the_documented_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DEBUG": "off", "ALLOWED_HOSTS": "coop.example.cn"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_celery_reliability_settings_are_chosen_deliberately():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    # A running task is never re-delivered: the visibility timeout outlasts the hard limit.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_beat_schedule_names_only_real_registered_tasks():
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_languages_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
