from pathlib import Path

import yaml
from django.conf import settings

from coop_portal import processes


def compose() -> dict:
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_compose_services_run_the_documented_process_commands():
    services = compose()["services"]
    assert services["web"]["command"] == processes.WEB
    assert services["worker"]["command"] == processes.WORKER
    assert services["beat"]["command"] == processes.BEAT
    assert services["migrate"]["command"] == processes.MIGRATE


def test_compose_has_the_five_services_with_health_checks():
    services = compose()["services"]
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert name in services
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_readme_documents_the_process_commands():
    readme = Path(settings.BASE_DIR, "README.md").read_text()
    for command in (processes.WEB, processes.WORKER, processes.BEAT):
        assert " ".join(command) in readme
