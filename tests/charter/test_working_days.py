"""The appeal window against a sanction counts working days; the methodology page says which
deadlines are working days and which calendar days."""

import datetime

import pytest
from django.urls import reverse

from charter.services import (
    draft_charter_version,
    lodge_appeal,
    publish_charter_version,
    take_exit_step,
)
from coop_portal.models import OutboxEmail
from coop_portal.refusal import Refused

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_appeal_window_skips_national_day(personas, member_a, charter, administrator):
    step = take_exit_step(
        member_a, "warning", by=administrator, reason="抽查不合格", on=D(2026, 9, 28)
    )
    window = step.appeal_window(charter.policy.appeal_window_days)
    # 15 working days: 29–30 September, 8–9 and make-up Saturday 10 October, 12–23 October.
    assert window.due == D(2026, 10, 23)
    assert window.unit == "working"
    # The member's e-mail gives the window's unit as the page does.
    mail = OutboxEmail.objects.get(key__startswith=f"exit-step:{step.pk}:confirmed")
    assert "您可在 2026年10月23日 前提出申诉（自决定之日起 15 个工作日）。" in mail.body
    with pytest.raises(Refused):
        lodge_appeal(step, by=administrator, grounds="不服", on=D(2026, 10, 24))
    url = reverse("charter:member_cases")
    page = personas.member_a.get(
        url, {"member": member_a.pk}, headers={"accept-language": "en"}
    ).content.decode()
    assert "Appeal window" in page
    assert "23 Oct 2026" in page
    assert "15 working days from 28 Sep 2026" in page
    assert "the member may appeal a warning, a suspension or a removal after its decision" in page
    assert personas.member_b.get(url, {"member": member_a.pk}).status_code == 404


def test_an_appeal_on_the_last_working_day_is_lodged(member_a, charter, administrator):
    step = take_exit_step(
        member_a, "warning", by=administrator, reason="抽查不合格", on=D(2026, 9, 28)
    )
    appeal = lodge_appeal(step, by=administrator, grounds="不服", on=D(2026, 10, 23))
    assert appeal.lodged_on == D(2026, 10, 23)


def test_the_methodology_page_says_which_deadlines_are_working_days(client, coop, charter):
    url = reverse("charter:methodology", args=[coop.slug])
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "How deadlines are counted" in english
    assert "Decision on accepting a complaint, from its receipt" in english
    assert "once late lab data is in" in english
    assert "within 15 working days; another administrator decides the appeal" in english
    assert english.count("working days") >= 5
    assert english.count("calendar days") >= 3
    chinese = client.get(url).content.decode()
    assert "期限的计算方式" in chinese
    assert "自然日" in chinese


def test_the_appeal_window_shown_is_the_charter_of_the_decision_day_as_enforced(
    personas, coop, member_a, charter, administrator
):
    step = take_exit_step(
        member_a, "warning", by=administrator, reason="抽查不合格", on=D(2026, 9, 28)
    )
    # A later charter shortens the window; the warning decided before it keeps its own.
    later = draft_charter_version(coop, effective_from=D(2026, 10, 1))
    later.policy.appeal_window_days = 5
    later.policy.save()
    publish_charter_version(later, by=None, on=D(2026, 9, 29))

    page = personas.member_a.get(
        reverse("charter:member_cases"), {"member": member_a.pk}, headers={"accept-language": "en"}
    ).content.decode()

    assert "15 working days from 28 Sep 2026" in page
    assert "23 Oct 2026" in page
    assert lodge_appeal(step, by=administrator, grounds="不服", on=D(2026, 10, 20))
