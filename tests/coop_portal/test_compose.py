from pathlib import Path

import yaml
from django.conf import settings

from coop_portal import processes


def compose() -> dict:
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_compose_services_run_the_documented_process_commands():
    services = compose()["services"]
    assert services["web"]["command"] == processes.WEB
    assert services["worker-short"]["command"] == processes.WORKER_SHORT
    assert services["worker-long"]["command"] == processes.WORKER_LONG
    assert services["beat"]["command"] == processes.BEAT
    assert services["migrate"]["command"] == processes.MIGRATE


def test_every_long_running_service_has_its_own_probe():
    services = compose()["services"]
    probes = {
        "web": processes.WEB_PROBE,
        "worker-short": processes.WORKER_SHORT_PROBE,
        "worker-long": processes.WORKER_LONG_PROBE,
        "beat": processes.BEAT_PROBE,
    }
    for name, probe in probes.items():
        assert services[name]["healthcheck"]["test"] == ["CMD", *probe], name
    for name in ("postgres", "redis", "proxy"):
        assert "healthcheck" in services[name], name


def test_each_worker_serves_its_own_queue_and_every_routed_queue_has_a_worker():
    queues = {
        command[command.index("--queues") + 1]
        for command in (processes.WORKER_SHORT, processes.WORKER_LONG)
    }
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert queues == routed | {settings.CELERY_TASK_DEFAULT_QUEUE} == {"short", "long"}


def test_beat_keeps_its_schedule_on_a_volume():
    beat = compose()["services"]["beat"]
    directory = str(Path(processes.BEAT_SCHEDULE).parent)
    assert any(volume.endswith(":" + directory) for volume in beat["volumes"])


def test_gunicorn_is_reached_only_through_the_proxy():
    services = compose()["services"]
    assert "ports" not in services["web"]
    assert services["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_the_operations_guide_documents_the_process_commands():
    guide = Path(settings.BASE_DIR, "docs", "operations.md").read_text()
    for command in (processes.WEB, processes.WORKER_SHORT, processes.WORKER_LONG, processes.BEAT):
        assert " ".join(command) in guide


def test_the_image_leaves_secrets_and_local_state_out():
    ignored = Path(settings.BASE_DIR, ".dockerignore").read_text().splitlines()
    # Everything is left out unless named: .env, var/, .venv/, node_modules/, .git/, tests.
    assert "*" in ignored
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    assert not allowed & {".env", "var", ".venv", "node_modules", ".git", "tests", "test-artifacts"}
