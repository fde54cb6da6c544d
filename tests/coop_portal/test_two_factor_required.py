"""Accounts with administrative rights must log in with two factors (coop_portal/accounts.py):
no page but the set-up before they have a device, single-use recovery codes for a lost phone,
and no turning it off."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import logged_in, verify_second_factor
from tests.pledges.test_accounts_login import code_for, log_in

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor_setup")


def desk(coop):
    return reverse("complaints:staff_list", args=[coop.slug])


def password_only(user) -> Client:
    client = Client()
    assert log_in(client, user.email).status_code == 302
    return client


def set_up(client, user) -> list[str]:
    """Turn two-factor log-in on as the set-up page asks; returns the recovery codes shown."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        SETUP, {"password": "correct horse battery staple", "token": code_for(device)}
    )
    assert response.status_code == 302
    page = client.get(SETUP, headers={"accept-language": "en"}).content.decode()
    assert "Your recovery codes" in page
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


@pytest.mark.parametrize("page", ["desk", "admin", "home"])
def test_an_administrator_without_a_device_is_sent_to_set_one_up(coop, administrator, page):
    client = password_only(administrator)
    url = {"desk": desk(coop), "admin": "/admin/", "home": "/"}[page]
    response = client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 302
    assert response.url == SETUP
    setup_page = client.get(SETUP, headers={"accept-language": "en"})
    assert setup_page.status_code == 200
    assert "set yours up first" in setup_page.content.decode()


def test_after_the_set_up_the_administrator_reaches_the_pages_and_keeps_recovery_codes(
    coop, administrator
):
    client = password_only(administrator)
    codes = set_up(client, administrator)
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=administrator).count() == 10
    assert client.get(desk(coop)).status_code == 200
    assert client.get("/admin/").status_code == 200
    # Shown once: afterwards only how many are left.
    again = client.get(SETUP, headers={"accept-language": "en"}).content.decode()
    assert codes[0] not in again
    assert "10 unused recovery codes" in again


def test_a_recovery_code_logs_in_once(coop, administrator):
    codes = set_up(password_only(administrator), administrator)
    client = Client()
    assert log_in(client, administrator.email).url == reverse("accounts:two_factor_verify")
    verify = reverse("accounts:two_factor_verify")
    assert client.post(verify, {"token": codes[0].upper()}).status_code == 302
    assert client.get(desk(coop)).status_code == 200
    other = Client()
    log_in(other, administrator.email)
    refused = other.post(verify, {"token": codes[0]}, headers={"accept-language": "en"})
    assert refused.status_code == 200
    assert "This code is not right" in refused.content.decode()
    assert other.get(desk(coop)).status_code == 302
    assert StaticToken.objects.filter(device__user=administrator).count() == 9


def test_a_malformed_code_is_refused_with_a_message(administrator):
    set_up(password_only(administrator), administrator)
    client = Client()
    log_in(client, administrator.email)
    response = client.post(
        reverse("accounts:two_factor_verify"),
        {"token": "12ab34x"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "six digits, or a recovery code" in response.content.decode()
    zh = client.post(reverse("accounts:two_factor_verify"), {"token": "12ab!?x"})
    assert "恢复码" in zh.content.decode()


def test_a_session_opened_without_the_second_factor_is_logged_out(coop, administrator):
    TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    client = Client()
    client.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(desk(coop))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_members_and_regulators_are_not_forced(coop, member_user_a, regulator):
    member = password_only(member_user_a)
    assert member.get(reverse("complaints:member_list")).status_code == 200
    officer = password_only(regulator)
    assert officer.get(desk(coop)).status_code == 200


def test_a_superuser_is_forced_too(db, django_user_model):
    root = django_user_model.objects.create_superuser(
        "root@example.cn", "correct horse battery staple"
    )
    client = password_only(root)
    assert client.get("/admin/").url == SETUP


def test_an_administrator_cannot_turn_it_off(administrator):
    client = logged_in(administrator)
    response = client.post(
        reverse("accounts:two_factor_disable"), follow=True, headers={"accept-language": "en"}
    )
    assert "must keep two-factor log-in on" in response.content.decode()
    assert TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_ones_from_a_verified_session_only(
    administrator, regulator, member_user_a
):
    codes = set_up(password_only(administrator), administrator)
    # Turning it on logged the other sessions out by hashing the password again.
    administrator.refresh_from_db()
    url = reverse("accounts:two_factor_recovery_codes")
    client = logged_in(administrator)
    assert client.post(url).status_code == 302
    fresh = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(SETUP).content.decode())
    assert len(fresh) == 10
    assert not set(fresh) & set(codes)
    # Denied: a session not verified with a code, a person with no device, anonymous, GET.
    unverified = Client()
    unverified.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    assert unverified.post(url).status_code == 302
    assert set(
        StaticToken.objects.filter(device__user=administrator).values_list("token", flat=True)
    ) == set(fresh)
    assert logged_in(member_user_a).post(url).status_code == 404
    assert logged_in(regulator).post(url).status_code == 404
    anonymous = Client().post(url)
    assert anonymous.url.startswith(reverse("login"))
    assert client.get(url).status_code == 405


def test_the_test_personas_log_in_verified(personas, coop, administrator):
    assert personas.administrator.get(desk(coop)).status_code == 200
    client = Client()
    client.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    verify_second_factor(client, administrator)
    assert client.get(desk(coop)).status_code == 200
