"""Fixed personas for the whole suite (STYLE.md).

Cooperative A (``coop``) has an administrator, a regulator, two member firms each with a
user, and a lab user; cooperative B (``other_coop``) has its own administrator. Views are
tested for each persona: the allowed path and every denied one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import Cooperative, Lab, Member, Role, User
from members.two_factor import must_use_two_factor
from tests.factories import CooperativeFactory, LabFactory, MemberFactory, RoleFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers are slow on purpose; the suite creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the rate limits count in it, some per account
    (password-reset links), and the fixtures' accounts have the same e-mail in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cache_unreachable(monkeypatch):
    """The cache is a Redis where nothing listens (port 1), as when the cache Redis is down;
    the rate limits' outage log starts afresh. Restored when this fixture ends, before the
    fixtures that empty the cache after a test."""
    from coop_portal import public_cache, ratelimits

    monkeypatch.setattr(ratelimits, "_quiet_until", 0.0)
    monkeypatch.setattr(public_cache, "_unavailable_until", 0.0)
    monkeypatch.setattr(public_cache, "_bumps_missed", set())
    nowhere = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={"default": nowhere}):
        yield


@pytest.fixture
def coop(db) -> Cooperative:
    return CooperativeFactory(
        slug="nantong",
        name_zh="南通家纺质量合作社",
        name_en="Nantong Home Textile Quality Cooperative",
    )


@pytest.fixture
def other_coop(db) -> Cooperative:
    return CooperativeFactory(
        slug="rice", name_zh="大米质量合作社", name_en="Rice Quality Cooperative", industry="rice"
    )


@pytest.fixture
def member_a(coop) -> Member:
    return MemberFactory(cooperative=coop, name="南通甲家纺有限公司", name_en="Firm A")


@pytest.fixture
def member_b(coop) -> Member:
    return MemberFactory(cooperative=coop, name="南通乙家纺有限公司", name_en="Firm B")


@pytest.fixture
def lab(coop) -> Lab:
    lab = LabFactory(name_zh="国家家纺检测中心", name_en="National home-textile test centre")
    lab.cooperatives.add(coop)
    return lab


def _person(email: str, cooperative: Cooperative, kind: str, **role: object) -> User:
    user = UserFactory(email=email)
    RoleFactory(user=user, cooperative=cooperative, kind=kind, **role)
    return user


@pytest.fixture
def administrator(coop) -> User:
    user = _person("admin@nantong.example.cn", coop, Role.Kind.ADMINISTRATOR)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def other_administrator(other_coop) -> User:
    user = _person("admin@rice.example.cn", other_coop, Role.Kind.ADMINISTRATOR)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def regulator(coop) -> User:
    return _person("regulator@amr.example.cn", coop, Role.Kind.REGULATOR)


@pytest.fixture
def member_user_a(coop, member_a) -> User:
    return _person(
        "owner@firm-a.example.cn", coop, Role.Kind.MEMBER_USER, member=member_a, is_owner=True
    )


@pytest.fixture
def member_user_b(coop, member_b) -> User:
    return _person(
        "owner@firm-b.example.cn", coop, Role.Kind.MEMBER_USER, member=member_b, is_owner=True
    )


@pytest.fixture
def lab_user(coop, lab) -> User:
    return _person("tester@lab.example.cn", coop, Role.Kind.LAB_USER, lab=lab)


@dataclass
class Personas:
    anonymous: Client
    administrator: Client
    other_administrator: Client
    regulator: Client
    member_a: Client
    member_b: Client
    lab: Client


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as verified with a second factor, as the log-in's second step
    does (accounts with administrative rights may do nothing else before it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def admin_client(client, admin_user) -> Client:
    """pytest-django's superuser client, logged in with a second factor as superusers must."""
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    verify_second_factor(client, admin_user)
    return client


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if must_use_two_factor(user):
        verify_second_factor(client, user)
    return client


@pytest.fixture
def personas(
    administrator, other_administrator, regulator, member_user_a, member_user_b, lab_user
) -> Personas:
    return Personas(
        anonymous=Client(),
        administrator=logged_in(administrator),
        other_administrator=logged_in(other_administrator),
        regulator=logged_in(regulator),
        member_a=logged_in(member_user_a),
        member_b=logged_in(member_user_b),
        lab=logged_in(lab_user),
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # CI's PostgreSQL run must execute every test: there a skip is a failure.
    if os.environ.get("COOP_FAIL_ON_SKIP") and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(
            f"COOP_FAIL_ON_SKIP: {len(terminalreporter.stats['skipped'])} test(s) skipped; failing the run.",
            red=True,
        )


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if (
        os.environ.get("COOP_FAIL_ON_SKIP")
        and reporter is not None
        and reporter.stats.get("skipped")
    ):
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Unit tests run tasks in-process; tests marked `services` talk to a real worker."""
    from coop_portal.celery import app

    # Celery reads Django's namespaced setting name before its own, so set that one.
    previous = app.conf.task_always_eager
    app.conf.CELERY_TASK_ALWAYS_EAGER = request.node.get_closest_marker("services") is None
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = previous
