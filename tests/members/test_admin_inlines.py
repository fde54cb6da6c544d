from django.urls import reverse

from members.models import StatusChange
from members.services import change_status


def test_an_administrator_without_model_permissions_sees_and_edits_the_inline_rows(
    personas, administrator, member_a
):
    change_status(member_a, "warned", by=administrator, reason="复检不合格后未按期整改")
    assert not administrator.user_permissions.exists()
    url = reverse("admin:members_member_change", args=[member_a.pk])
    html = personas.administrator.get(url).content.decode()
    assert "复检不合格后未按期整改" in html
    assert StatusChange.objects.filter(member=member_a).count() == 1


def test_an_administrator_of_another_cooperative_gets_no_inline_rows_either(personas, member_a):
    url = reverse("admin:members_member_change", args=[member_a.pk])
    assert personas.other_administrator.get(url).status_code == 404


def test_the_licence_inline_is_stacked_so_that_the_member_page_fits_a_desktop_window(
    personas, member_a
):
    from django.contrib import admin

    from members.admin import TrademarkLicenceInline

    assert issubclass(TrademarkLicenceInline, admin.StackedInline)
    # The three dates share one row; the note has a row of its own.
    assert ("granted_on", "suspended_on", "revoked_on") in TrademarkLicenceInline.fields
    url = reverse("admin:members_member_change", args=[member_a.pk])
    page = personas.administrator.get(url, headers={"accept-language": "zh-hans"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-inline-type="stacked"' in html
    assert 'class="column-suspended_on' not in html


def test_the_inspection_list_keeps_few_enough_columns_for_a_desktop_window():
    from django.conf import settings

    from inspections.admin import InspectionAdmin

    assert len(InspectionAdmin.list_display) <= 8
    assert "sampled_on" not in InspectionAdmin.list_display
    css = (settings.BASE_DIR / "static/css/admin.css").read_text()
    assert "#result_list td.field-product" in css
