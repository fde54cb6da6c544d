"""The admin never shows a two-factor secret, and asking for a missing device is no error."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import logged_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client():
    user = UserFactory(email="root@example.cn", is_staff=True, is_superuser=True)
    return logged_in(user)


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_the_qr_pages_of_a_device_are_refused_even_to_a_superuser(superuser_client, page):
    owner = UserFactory(email="owner@example.cn")
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)

    response = superuser_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{page}/")

    assert response.status_code == 403
    assert device.key.encode() not in response.content


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_a_device_that_does_not_exist_is_not_a_server_error(superuser_client, page):
    response = superuser_client.get(f"/admin/otp_totp/totpdevice/999999/{page}/")

    assert response.status_code == 403


def test_the_change_page_does_not_show_the_secret(superuser_client):
    device = TOTPDevice.objects.create(
        user=UserFactory(email="owner@example.cn"), name="phone", confirmed=True
    )

    response = superuser_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")

    assert response.status_code == 200
    assert device.key.encode() not in response.content
