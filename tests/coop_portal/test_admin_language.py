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
