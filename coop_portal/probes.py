"""The containers' health probes: ``python -m coop_portal.probes web|worker <queue>|beat``.

Each exits 0 when its process is healthy and 1 with a line saying why when it is not
(docker-compose.yml's healthchecks, coop_portal/processes.py).
"""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.request
from pathlib import Path

# Beat saves its schedule's state at least this often (celery's beat_sync_every is three
# minutes, and the outbox sweep makes it tick every minute).
BEAT_STALE_SECONDS = 10 * 60


def web() -> str | None:
    """gunicorn answers /readyz on its own port: the database is reachable."""
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[1]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return None if response.status == 200 else f"/readyz answered {response.status}"
    except OSError as error:
        return f"/readyz: {error}"


def worker(queue: str) -> str | None:
    """The worker of this queue on this machine answers a ping through the broker."""
    from coop_portal.celery import app

    name = f"{queue}@{socket.gethostname()}"
    replies = app.control.ping(destination=[name], timeout=5) or []
    return None if any(name in reply for reply in replies) else f"{name} did not answer"


def beat() -> str | None:
    """Beat saved its schedule recently, so it is ticking."""
    from coop_portal.processes import BEAT_SCHEDULE

    saved = list(Path(BEAT_SCHEDULE).parent.glob(Path(BEAT_SCHEDULE).name + "*"))
    if not saved:
        return f"{BEAT_SCHEDULE} does not exist"
    age = time.time() - max(path.stat().st_mtime for path in saved)
    return None if age < BEAT_STALE_SECONDS else f"{BEAT_SCHEDULE} not saved for {age:.0f} s"


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop_portal.settings")
    match argv:
        case ["web"]:
            problem = web()
        case ["worker", queue]:
            problem = worker(queue)
        case ["beat"]:
            problem = beat()
        case _:
            print("usage: python -m coop_portal.probes web|worker <queue>|beat", file=sys.stderr)  # noqa: T201
            return 2
    if problem:
        print(problem, file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
