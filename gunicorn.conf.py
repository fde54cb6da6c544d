"""gunicorn's settings, from the environment (the web process of coop_portal/processes.py).

gunicorn sits behind the reverse proxy of docker-compose.yml, which buffers whole requests and
responses: a slow client holds a proxy connection, never one of these sync workers.
"""

import os

from coop_portal import metrics

# Where gunicorn listens; the command line's --bind (the tests' loopback port) takes precedence.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Worker processes: about two per core is usual for sync workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request that takes longer than this is killed and logged (the PDFs and imports that could
# take long run in Celery).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Each worker is replaced after this many requests, at a jittered count so that they are not
# all replaced at once: whatever a long-lived process may leak is returned.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Access log on standard output, one JSON object a line like the portal's own log.
accesslog = "-"

# The request id the proxy gave the request (coop_portal/requestid.py) is in each access line.
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"client": "%({x-forwarded-for}i)s", "request": "%(r)s", "status": %(s)s, '
    '"bytes": "%(b)s", "microseconds": %(D)s}'
)


# Prometheus counts of the web processes (coop_portal/metrics.py).
def on_starting(server: object) -> None:
    metrics.start_counting_afresh()


def child_exit(server: object, worker: object) -> None:
    metrics.forget_process(worker.pid)  # type: ignore[attr-defined]
