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
