"""The working-day calendar against the official 2026 holiday table, a year the table does not
cover yet (provisional), a notice entered by hand, and the admin page where it is entered."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from conftest import verify_second_factor
from coop_portal.models import HolidayNotice, HolidayNoticeDay
from coop_portal.workdays import (
    PACKAGE_VERSION,
    DayKind,
    Source,
    Unit,
    WorkCalendar,
    calendar_deadline,
    working_deadline,
)

D = datetime.date
pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coop_portal_holidaynotice_changelist"
ADD = "admin:coop_portal_holidaynotice_add"


def enter_notice(year: int, reference: str, days: list[tuple[datetime.date, str, str, str]]):
    notice = HolidayNotice.objects.create(year=year, reference=reference)
    for day, kind, name_zh, name_en in days:
        HolidayNoticeDay.objects.create(
            notice=notice, day=day, kind=kind, name_zh=name_zh, name_en=name_en
        )
    return notice


# The official table: Spring Festival 2026 (15–23 February, make-up Saturdays 14 and 28
# February) and National Day 2026 (1–7 October, make-up Sunday 20 September and Saturday 10
# October), as the State Council's notice 国办发明电〔2025〕7号 set them.


def test_the_spring_festival_2026_and_its_make_up_saturdays():
    calendar = WorkCalendar()
    assert calendar.day(D(2026, 2, 14)).kind == DayKind.MAKEUP
    assert calendar.is_working_day(D(2026, 2, 14))
    assert calendar.is_working_day(D(2026, 2, 28))
    for day in range(15, 24):
        assert not calendar.is_working_day(D(2026, 2, day)), day
    festival = calendar.day(D(2026, 2, 17))
    assert festival.kind == DayKind.HOLIDAY
    with translation.override("zh-hans"):
        assert festival.reason == "法定节假日：春节"
    with translation.override("en"):
        assert festival.reason == "public holiday: Spring Festival"
        assert calendar.day(D(2026, 2, 14)).reason == "make-up working day"
        assert calendar.day(D(2026, 3, 7)).reason == "weekend"
    # Seven working days after Thursday 12 February: 13, Saturday 14, 24–27, Saturday 28.
    assert calendar.add_working_days(D(2026, 2, 12), 7) == D(2026, 2, 28)
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert calendar.working_days_between(D(2026, 2, 14), D(2026, 2, 23)) == 0


def test_national_day_2026_and_its_make_up_days():
    calendar = WorkCalendar()
    assert calendar.day(D(2026, 9, 20)).kind == DayKind.MAKEUP  # a Sunday
    assert calendar.day(D(2026, 10, 10)).kind == DayKind.MAKEUP  # a Saturday
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    with translation.override("zh-hans"):
        assert calendar.day(D(2026, 10, 1)).reason == "法定节假日：国庆节"


def test_a_year_the_table_covers_is_announced_with_its_source():
    source = WorkCalendar().year_source(2026)
    assert source.announced
    assert source.source == Source.PACKAGE
    assert PACKAGE_VERSION
    assert PACKAGE_VERSION in source.label


def test_a_deadline_into_an_unannounced_year_is_provisional_until_its_notice_is_entered():
    calendar = WorkCalendar()
    assert not calendar.is_announced(2027)
    assert not calendar.day(D(2027, 1, 1)).announced
    # From Friday 25 December 2026: 28–31 December, then 2027 counted Monday to Friday.
    deadline = working_deadline(D(2026, 12, 25), 7, "basis")
    assert deadline.due == D(2027, 1, 5)
    assert deadline.provisional
    assert deadline.unannounced == (2027,)
    with translation.override("en"):
        assert "2027 has not been announced yet" in deadline.provisional_note
    with translation.override("zh-hans"):
        assert "2027 年的节假日安排尚未公布" in deadline.provisional_note

    enter_notice(2027, "测试通知", [(D(2027, 1, 1), "holiday", "元旦", "New Year's Day")])
    calendar = WorkCalendar()
    assert calendar.year_source(2027).source == Source.ADMINISTRATOR
    assert "测试通知" in calendar.year_source(2027).label
    deadline = working_deadline(D(2026, 12, 25), 7, "basis")
    assert deadline.due == D(2027, 1, 6)
    assert not deadline.provisional
    assert deadline.provisional_note == ""


def test_an_entered_notice_overrides_the_table_for_its_year():
    enter_notice(
        2026,
        "测试通知",
        [
            (D(2026, 2, 16), "holiday", "春节", "Spring Festival"),
            (D(2026, 2, 15), "makeup", "", ""),
        ],
    )
    calendar = WorkCalendar()
    assert calendar.is_working_day(D(2026, 2, 15))  # a Sunday made a working day by hand
    assert not calendar.is_working_day(D(2026, 2, 16))
    assert calendar.is_working_day(D(2026, 2, 17))  # the package's holiday no longer counts
    assert not calendar.is_working_day(D(2026, 2, 14))  # nor its make-up Saturday


def test_a_notice_day_at_the_edge_of_the_next_year_counts():
    # A notice for 2027 may make the last day of 2026 a holiday.
    enter_notice(2027, "测试通知", [(D(2026, 12, 31), "holiday", "元旦", "New Year's Day")])
    assert not WorkCalendar().is_working_day(D(2026, 12, 31))


def test_notices_keep_their_history():
    notice = enter_notice(2027, "测试通知", [])
    notice.reference = "更正后的通知"
    notice.save()
    assert notice.history.count() == 2


def test_a_notice_day_is_checked():
    notice = enter_notice(2027, "测试通知", [])
    with pytest.raises(ValidationError) as refused:
        HolidayNoticeDay(notice=notice, day=D(2027, 1, 4), kind="makeup").full_clean()
    assert "day" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        HolidayNoticeDay(notice=notice, day=D(2027, 1, 1), kind="holiday").full_clean()
    assert "name_zh" in refused.value.message_dict
    with pytest.raises(ValidationError):
        HolidayNoticeDay(
            notice=notice, day=D(2030, 1, 1), kind="holiday", name_zh="元旦"
        ).full_clean()


def test_a_deadline_says_its_unit_and_basis_in_the_readers_language():
    working = working_deadline(D(2026, 2, 12), 7, "the rule")
    calendar = calendar_deadline(D(2026, 2, 12), 7, "the rule")
    assert working.unit == Unit.WORKING
    assert calendar.unit == Unit.CALENDAR
    assert calendar.due == D(2026, 2, 19)
    template = Template("{% load deadlines %}{% deadline value 'Due' %}")
    with translation.override("en"):
        page = template.render(Context({"value": working}))
        assert "7 working days from" in page
        assert "the rule" in page
        assert "provisional" not in page
        assert "7 calendar days from" in template.render(Context({"value": calendar}))
    with translation.override("zh-hans"):
        assert "7 个工作日" in template.render(Context({"value": working}))
        late = working_deadline(D(2026, 12, 25), 7, "规则")
        page = template.render(Context({"value": late}))
        assert "暂定" in page
        assert "2027 年的节假日安排尚未公布" in page
    assert Template("{% load deadlines %}{% deadline None %}").render(Context()).strip() == ""


# The admin page: cooperative administrators and superusers enter a notice; nobody else.


def notice_form(year: int = 2027) -> dict[str, object]:
    return {
        "year": year,
        "reference": "国办发明电〔2026〕1号",
        "days-TOTAL_FORMS": 2,
        "days-INITIAL_FORMS": 0,
        "days-MIN_NUM_FORMS": 0,
        "days-MAX_NUM_FORMS": 1000,
        "days-0-day": "2027-01-01",
        "days-0-kind": "holiday",
        "days-0-name_zh": "元旦",
        "days-0-name_en": "New Year's Day",
        "days-1-day": "2027-02-20",
        "days-1-kind": "makeup",
    }


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root@example.cn", "x")


def test_an_administrator_enters_a_notice_by_hand(client, administrator):
    client.force_login(administrator)
    verify_second_factor(client, administrator)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse(ADD)).status_code == 200
    response = client.post(reverse(ADD), notice_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.entered_by == administrator
    assert notice.days.count() == 2
    assert not WorkCalendar().is_working_day(D(2027, 1, 1))
    assert WorkCalendar().is_working_day(D(2027, 2, 20))
    history = reverse("admin:coop_portal_holidaynotice_history", args=[notice.pk])
    assert client.get(history).status_code == 200
    # Only a superuser deletes a notice.
    delete = reverse("admin:coop_portal_holidaynotice_delete", args=[notice.pk])
    assert client.get(delete).status_code == 403


def test_a_bad_notice_day_is_refused_in_the_readers_language(client, administrator):
    client.force_login(administrator)
    verify_second_factor(client, administrator)
    form = notice_form() | {"days-1-day": "2027-02-22"}  # a Monday is no make-up day
    response = client.post(reverse(ADD), form, headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    assert "调休上班日应为星期六或星期日。" in response.content.decode()
    far = notice_form() | {"days-0-day": "2030-01-01"}
    response = client.post(reverse(ADD), far, headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    assert "该日期距离通知所属年份太远。" in response.content.decode()
    assert not HolidayNotice.objects.exists()


def test_a_superuser_enters_and_deletes_a_notice(client, superuser):
    client.force_login(superuser)
    verify_second_factor(client, superuser)
    assert client.post(reverse(ADD), notice_form()).status_code == 302
    notice = HolidayNotice.objects.get()
    delete = reverse("admin:coop_portal_holidaynotice_delete", args=[notice.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not HolidayNotice.objects.exists()
    assert not WorkCalendar().is_announced(2027)


def test_others_cannot_enter_a_notice(client, personas, django_user_model):
    for persona in (personas.regulator, personas.member_a, personas.lab):
        assert persona.get(reverse(CHANGELIST)).status_code == 302
        assert persona.post(reverse(ADD), notice_form()).status_code == 302
    staff = django_user_model.objects.create_user("staff@example.cn", "x", is_staff=True)
    client.force_login(staff)
    verify_second_factor(client, staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.post(reverse(ADD), notice_form()).status_code == 403
    assert personas.anonymous.get(reverse(CHANGELIST)).status_code == 302
    assert not HolidayNotice.objects.exists()


def test_the_calendar_works_while_the_cache_is_unreachable(cache_unreachable):
    assert WorkCalendar().add_working_days(D(2026, 2, 12), 7) == D(2026, 2, 28)
    enter_notice(2027, "测试通知", [(D(2027, 1, 1), "holiday", "元旦", "New Year's Day")])
    assert not WorkCalendar().is_working_day(D(2027, 1, 1))
