import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, logged_in
from members.models import Role
from tests.factories import RoleFactory
from tests.pledges.pledge_factories import fast_passwords  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db


def log_in(client: Client, email: str, password: str = PASSWORD, url: str | None = None):
    return client.post(url or reverse("accounts:login"), {"username": email, "password": password})


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def test_a_person_logs_in_with_e_mail_and_password(member_user_a):
    client = Client()
    response = log_in(client, "OWNER@firm-a.example.cn")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member_user_a.pk)


def test_the_log_in_page_posts_to_the_two_step_log_in(client, db):
    html = client.get(reverse("login")).content.decode()
    assert f'action="{reverse("accounts:login")}"' in html
    assert reverse("accounts:password_reset") in html


def test_repeated_failures_lock_the_account_even_for_the_right_password(member_user_a, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, member_user_a.email, "wrong password").status_code == 200
    assert log_in(client, member_user_a.email, "wrong password").status_code == 429
    locked = log_in(client, member_user_a.email)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_account_and_address(member_user_a, member_user_b, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, member_user_a.email, "wrong password")
    assert log_in(client, member_user_a.email).status_code == 429
    other = Client()
    assert log_in(other, member_user_b.email).status_code == 302


def test_password_reset_sends_a_translated_link_that_sets_a_new_password(
    member_user_a, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://coop.example.cn"
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": member_user_a.email})
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member_user_a.email]
    assert "密码" in message.subject
    link = re.search(r"https://coop\.example\.cn(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "a brand new pass phrase 42"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.url == reverse("accounts:password_reset_complete")
    assert log_in(Client(), member_user_a.email, new).status_code == 302


def test_password_reset_in_english_when_asked(member_user_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            reverse("accounts:password_reset"),
            {"email": member_user_a.email},
            headers={"accept-language": "en"},
        )
    assert mail.outbox[0].subject == "Choose a new password for the quality cooperative portal"


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db):
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.cn"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


@pytest.fixture
def no_throttle(settings):
    """Wrong codes slow down the next attempts (see the test below); these tests skip that."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_staff_turn_on_two_factor_with_a_qr_code_and_a_first_code(regulator, no_throttle):
    client = logged_in(regulator)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=regulator)
    assert not device.confirmed
    wrong = client.post(
        reverse("accounts:two_factor_setup"), {"password": PASSWORD, "token": "000000"}
    )
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    client.post(
        reverse("accounts:two_factor_setup"), {"password": PASSWORD, "token": code_for(device)}
    )
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


def test_a_person_with_two_factor_logs_in_only_with_a_valid_code(regulator, no_throttle):
    device = TOTPDevice.objects.create(user=regulator, name="phone", confirmed=True)
    client = Client()
    response = log_in(client, regulator.email)
    assert response.url == reverse("accounts:two_factor_verify")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:index")).status_code == 302
    wrong = client.post(reverse("accounts:two_factor_verify"), {"token": "123456"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(regulator.pk)
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_code_cannot_be_used_twice(regulator):
    device = TOTPDevice.objects.create(user=regulator, name="phone", confirmed=True)
    code = code_for(device)
    first = Client()
    log_in(first, regulator.email)
    first.post(reverse("accounts:two_factor_verify"), {"token": code})
    second = Client()
    log_in(second, regulator.email)
    second.post(reverse("accounts:two_factor_verify"), {"token": code})
    assert "_auth_user_id" not in second.session


def test_two_factor_is_turned_off_only_from_a_verified_session(regulator):
    device = TOTPDevice.objects.create(user=regulator, name="phone", confirmed=True)
    unverified = logged_in(regulator)
    unverified.post(reverse("accounts:two_factor_disable"))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    client = Client()
    log_in(client, regulator.email)
    client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    client.post(reverse("accounts:two_factor_disable"))
    assert not TOTPDevice.objects.filter(user=regulator).exists()


def test_a_person_without_two_factor_is_not_asked_for_a_code(administrator):
    client = Client()
    response = log_in(client, administrator.email)
    assert response.url == reverse(
        "complaints:staff_list", args=[administrator.roles.get().cooperative.slug]
    )
    assert client.session["_auth_user_id"] == str(administrator.pk)


@pytest.mark.parametrize(
    ("person", "landing"),
    [
        ("member_user_a", lambda coop: reverse("portal:index")),
        ("administrator", lambda coop: reverse("complaints:staff_list", args=[coop.slug])),
        ("regulator", lambda coop: reverse("pledges:assessment_runs", args=[coop.slug])),
        ("lab_user", lambda coop: reverse("inspections:lab_home", args=[coop.slug])),
    ],
)
def test_each_role_lands_where_it_works_after_log_in(request, coop, person, landing):
    user = request.getfixturevalue(person)
    response = log_in(Client(), user.email)
    assert response.url == landing(coop)


def test_a_person_with_two_factor_lands_where_their_role_works(regulator, coop, no_throttle):
    device = TOTPDevice.objects.create(user=regulator, name="phone", confirmed=True)
    client = Client()
    log_in(client, regulator.email)
    right = client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    assert right.url == reverse("pledges:assessment_runs", args=[coop.slug])


def test_a_page_asked_for_before_log_in_beats_the_landing_page(member_user_a):
    url = reverse("accounts:login") + "?next=/portal/profile/"
    response = log_in(Client(), member_user_a.email, url=url)
    assert response.url == "/portal/profile/"


def test_a_person_with_roles_in_two_cooperatives_lands_on_the_portal_to_choose(
    administrator, other_coop
):
    RoleFactory(user=administrator, cooperative=other_coop, kind=Role.Kind.ADMINISTRATOR)
    response = log_in(Client(), administrator.email)
    assert response.url == reverse("portal:index")


def test_a_wrong_code_blocks_an_immediate_retry_even_with_the_right_code(regulator):
    device = TOTPDevice.objects.create(user=regulator, name="phone", confirmed=True)
    client = Client()
    log_in(client, regulator.email)
    client.post(reverse("accounts:two_factor_verify"), {"token": "123456"})
    client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    assert "_auth_user_id" not in client.session
