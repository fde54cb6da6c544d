"""The commands of the production processes, in one place.

docker-compose.yml runs exactly these (a test checks it), README.md documents them, and the
integration tests start them as real processes on loopback.
"""

WEB = [
    "gunicorn",
    "coop_portal.wsgi:application",
    "--bind",
    "0.0.0.0:8000",
    "--workers",
    "2",
    "--access-logfile",
    "-",
]
WORKER = ["celery", "-A", "coop_portal", "worker", "--loglevel", "info", "--concurrency", "2"]
# The container's /tmp is private to the beat process, which alone uses the schedule file.
BEAT = [
    "celery",
    "-A",
    "coop_portal",
    "beat",
    "--loglevel",
    "info",
    "--schedule",
    "/tmp/celerybeat-schedule",  # noqa: S108
]
MIGRATE = ["python", "manage.py", "migrate", "--noinput"]


def with_option(command: list[str], option: str, value: str) -> list[str]:
    """The command with one option's value replaced, everything else as it is.

    The integration tests run the production commands on a free loopback port instead of
    0.0.0.0:8000 and keep beat's schedule in their own directory.
    """
    if option not in command:
        raise ValueError(f"{option} is not an option of {' '.join(command)}")
    changed = list(command)
    changed[changed.index(option) + 1] = value
    return changed
