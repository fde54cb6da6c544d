from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: what personal data the portal holds, for how long (the retention
    schedule of settings.RETENTION_DAYS), and what a consumer may ask."""
    return render(request, "privacy.html", {"days": settings.RETENTION_DAYS})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    if not settings.REDIS_URL:
        # Embedded default: tasks run in-process, there is no broker to reach.
        return True
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        return bool(client.ping())
    except Exception:
        return False


# The two probes are answered by coop_portal.middleware.ProbeMiddleware, before the host is
# checked and before the redirect to HTTPS: container and load-balancer probes come over plain
# HTTP with whatever Host header they have.


def livez(request: HttpRequest) -> JsonResponse:
    """The process is up and answers requests."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database answers. The broker is reported but not required, since
    complaints are taken and their e-mail kept in the outbox while Redis is down."""
    database, broker = _database_ok(), _broker_ok()
    status = ("ok" if broker else "degraded") if database else "unavailable"
    return JsonResponse(
        {"status": status, "database": database, "broker": broker}, status=200 if database else 503
    )
