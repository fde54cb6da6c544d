"""The admin speaks as the portal, and in Chinese, third-party apps included."""

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.utils import translation

from coop_portal.apps import CoopPortalConfig, LockoutConfig

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admin_is_titled_as_the_portal_and_names_lockouts_in_the_readers_language(
    admin_client, language
):
    page = admin_client.get("/admin/", headers={"accept-language": language}).content.decode()
    with translation.override(language):
        assert f"<title>{translation.gettext('Administration')}" in page
        for text in (settings.SITE_NAME, "Log-in lockouts", "access attempts", "access failures"):
            assert str(translation.gettext(str(text))).capitalize() in page.replace("&#x27;", "'")
    assert "Django" not in page


def test_the_lockout_pages_name_their_columns_in_chinese(admin_client):
    AccessAttempt.objects.create(
        ip_address="203.0.113.9", username="wang@example.cn", failures_since_start=3
    )
    page = admin_client.get(
        "/admin/axes/accessattempt/", headers={"accept-language": "zh-hans"}
    ).content.decode()
    for text in ("IP 地址", "用户名", "失败次数", "登录尝试"):
        assert text in page


def test_the_lockouts_app_configuration_leaves_the_portals_own_in_charge():
    # Both live in coop_portal/apps.py; the portal's ready() connects the page cache's signals.
    assert isinstance(apps.get_app_config("coop_portal"), CoopPortalConfig)
    assert isinstance(apps.get_app_config("axes"), LockoutConfig)


def test_the_two_factor_devices_are_named_in_chinese_under_one_term(admin_client):
    page = admin_client.get("/admin/", headers={"accept-language": "zh-hans"}).content.decode()
    for text in ("两步验证：恢复码", "两步验证：身份验证器应用", "恢复码组", "身份验证器应用"):
        assert text in page
    for text in ("TOTP", "Otp", "OTP", "Static"):
        assert text not in page


def test_the_chinese_catalogues_call_two_factor_log_in_by_one_name():
    for path in settings.BASE_DIR.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if ".venv" not in path.parts:
            assert "双重验证" not in path.read_text(), path


@pytest.fixture
def devices(admin_user):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return (
        TOTPDevice.objects.get_or_create(user=admin_user, name="authenticator", confirmed=True)[0],
        StaticDevice.objects.create(user=admin_user, name="recovery", confirmed=True),
    )


@pytest.mark.parametrize("page", ["totp/totpdevice/{totp}/change/", "totp/totpdevice/add/"])
def test_the_authenticator_app_pages_label_their_fields_in_chinese(admin_client, devices, page):
    totp, _static = devices
    url = "/admin/otp_" + page.format(totp=totp.pk)
    content = admin_client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    for text in ("设备名称", "已确认", "时间步长", "容差", "位数", "连续失败次数", "设置", "设备"):
        assert text in content, text
    for text in (
        "Identity",
        "Throttling",
        "Configuration",
        "Tolerance",
        "The human-readable name of this device.",
        "Is this device ready for use?",
        "Search by user",
    ):
        assert text not in content, text


def test_the_recovery_code_pages_label_their_fields_in_chinese(admin_client, devices):
    _totp, static = devices
    content = admin_client.get(
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        headers={"accept-language": "zh-hans"},
    ).content.decode()
    for text in ("设备名称", "最近使用时间", "日期"):
        assert text in content, text
    listing = admin_client.get(
        "/admin/otp_static/staticdevice/", headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "按用户电子邮箱搜索。" in listing
    assert "Timestamps" not in content


def test_the_device_pages_read_in_english_too(admin_client, devices):
    totp, _static = devices
    content = admin_client.get(
        f"/admin/otp_totp/totpdevice/{totp.pk}/change/", headers={"accept-language": "en"}
    ).content.decode()
    for text in ("Device name", "Time step", "Failed attempts in a row", "Settings"):
        assert text in content, text


def test_the_device_pages_are_refused_to_an_administrator_without_the_permission(personas, devices):
    totp, _static = devices
    for url in ("/admin/otp_totp/totpdevice/", f"/admin/otp_totp/totpdevice/{totp.pk}/change/"):
        assert personas.administrator.get(url).status_code == 403
