"""The commands of the production processes and of their health probes, in one place.

docker-compose.yml runs exactly these (a test checks it), docs/operations.md documents them, and the
integration tests start them as real processes on loopback. gunicorn reads its settings from
gunicorn.conf.py, Celery from settings.py, both from the environment.
"""

WEB = ["gunicorn", "--config", "gunicorn.conf.py", "coop_portal.wsgi:application"]


def worker(queue: str) -> list[str]:
    """The worker of one queue (settings.CELERY_TASK_ROUTES), named after it on its machine so
    that its probe can ping that worker and no other."""
    return [
        "celery",
        "-A",
        "coop_portal",
        "worker",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--loglevel",
        "info",
    ]


# E-mail and sweeps: never behind a long task.
WORKER_SHORT = worker("short")
# Assessment chunks, PDFs and big imports.
WORKER_LONG = worker("long")
# Beat keeps its schedule's state on a volume, so a redeploy does not restart its clocks.
BEAT_SCHEDULE = "/var/lib/coop-portal/celerybeat-schedule"
BEAT = ["celery", "-A", "coop_portal", "beat", "--loglevel", "info", "--schedule", BEAT_SCHEDULE]
MIGRATE = ["python", "manage.py", "migrate", "--noinput"]

# The probes of the containers (coop_portal/probes.py).
WEB_PROBE = ["python", "-m", "coop_portal.probes", "web"]
WORKER_SHORT_PROBE = ["python", "-m", "coop_portal.probes", "worker", "short"]
WORKER_LONG_PROBE = ["python", "-m", "coop_portal.probes", "worker", "long"]
BEAT_PROBE = ["python", "-m", "coop_portal.probes", "beat"]


def with_option(command: list[str], option: str, value: str) -> list[str]:
    """The command with one option's value replaced, everything else as it is.

    The integration tests keep beat's schedule in their own directory.
    """
    if option not in command:
        raise ValueError(f"{option} is not an option of {' '.join(command)}")
    changed = list(command)
    changed[changed.index(option) + 1] = value
    return changed
