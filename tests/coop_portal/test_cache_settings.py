"""Issue 20, point 8: the cache may live in a Redis of its own (with a memory cap and eviction),
and every entry it holds expires."""

from __future__ import annotations

from django.conf import settings

from tests.coop_portal.test_settings import run_manage

SHOW_CACHE = (
    "from django.conf import settings; c = settings.CACHES['default']; "
    "print(c['LOCATION'], c['TIMEOUT'])"
)


def test_the_cache_takes_the_database_after_the_brokers_by_default():
    result = run_manage(
        "shell", "--no-imports", "-c", SHOW_CACHE, env={"REDIS_URL": "redis://redis:6379/0"}
    )
    assert result.stdout.split() == ["redis://redis:6379/1", "300"], result.stderr


def test_redis_cache_url_puts_the_cache_in_a_redis_of_its_own():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW_CACHE,
        env={"REDIS_URL": "redis://redis:6379/0", "REDIS_CACHE_URL": "redis://cache:6379/0"},
    )
    assert result.stdout.split() == ["redis://cache:6379/0", "300"], result.stderr


def test_public_pages_expire():
    assert 0 < settings.PUBLIC_PAGE_CACHE_SECONDS <= 3600
