import pytest
from django.urls import reverse

from charter.models import Appeal, Application, CharterAcceptance, CharterVersion, ExitStep
from charter.services import (
    accept_charter,
    lodge_appeal,
    propose_consequence,
    publish_charter_version,
    submit_application,
    take_exit_step,
)
from conftest import verify_second_factor
from members.models import Member
from tests.charter.factories import ApplicationFactory, CharterVersionFactory
from tests.factories import MemberFactory, credit_code_for

pytestmark = pytest.mark.django_db


def second_version(coop, **fields) -> CharterVersion:
    draft = CharterVersionFactory(cooperative=coop, effective_from=coop.today(), **fields)
    return publish_charter_version(draft, by=None)


def login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("login"))


# Public pages -----------------------------------------------------------------------------


def test_the_charter_in_force_is_public_in_both_languages(client, coop, charter):
    url = reverse("charter:current", args=[coop.slug])
    chinese = client.get(url).content.decode()
    assert charter.title_zh in chinese
    assert "联合集群内的大小企业" in chinese
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert charter.title_en in english
    assert "large firms, small firms and sole proprietors" in english


def test_the_charter_page_shows_the_second_version_once_in_force(client, coop, charter):
    second = second_version(coop, purpose_zh="第二版宗旨")
    page = client.get(reverse("charter:current", args=[coop.slug])).content.decode()
    assert "第二版宗旨" in page
    old = client.get(reverse("charter:version", args=[coop.slug, charter.number]))
    assert old.status_code == 200
    assert old.context["in_force"] is False
    assert second.number == 2


def test_public_charter_pages_are_404_for_an_unknown_cooperative_or_a_draft(client, coop, charter):
    draft = CharterVersionFactory(cooperative=coop)
    assert client.get(reverse("charter:version", args=[coop.slug, draft.number])).status_code == 404
    for name in ("current", "archive", "diff", "methodology", "public_exits", "apply"):
        assert client.get(reverse(f"charter:{name}", args=["nowhere"])).status_code == 404


def test_a_cooperative_without_a_charter_has_no_charter_page(client, coop):
    assert client.get(reverse("charter:current", args=[coop.slug])).status_code == 404
    assert client.get(reverse("charter:methodology", args=[coop.slug])).status_code == 404


def test_the_archive_lists_published_versions_in_constant_queries(
    client, coop, charter, django_assert_num_queries, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the page's own queries, not the public cache's
    url = reverse("charter:archive", args=[coop.slug])
    client.get(url)
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    CharterVersionFactory(cooperative=coop)
    second = second_version(coop)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert [version.number for version in response.context["versions"]] == [second.number, 1]


def test_the_diff_shows_added_and_removed_lines_and_policy_changes(client, coop, charter):
    draft = CharterVersionFactory(
        cooperative=coop,
        effective_from=coop.today(),
        duties_zh=charter.duties_zh.replace("及时答复和处理消费者投诉", "三日内答复消费者投诉"),
    )
    draft.policy.max_response_days = 3
    draft.policy.save()
    publish_charter_version(draft, by=None)
    response = client.get(reverse("charter:diff", args=[coop.slug]), {"older": 1, "newer": 2})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<del>" in page
    assert "三日内答复消费者投诉</ins>" in page
    assert "及时答复和处理消费者投诉</del>" in page
    assert [(old, new) for _label, old, new in response.context["policy_changes"]] == [("7", "3")]


def test_the_diff_needs_two_versions(client, coop, charter):
    assert client.get(reverse("charter:diff", args=[coop.slug])).status_code == 404


def test_the_methodology_page_shows_the_figures_in_force(client, coop, charter):
    draft = CharterVersionFactory(cooperative=coop, effective_from=coop.today())
    draft.policy.critical_penalty = 12
    draft.policy.grade_a_min = 88
    draft.policy.cooling_off_days = 180
    draft.policy.save()
    publish_charter_version(draft, by=None)
    url = reverse("charter:methodology", args=[coop.slug])
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "12.0 points for each critical failure" in english
    assert "≥ 88.0" in english
    assert "180 days after it left" in english
    chinese = client.get(url).content.decode()
    assert "12.0" in chinese
    assert "How members are assessed" not in chinese


def test_the_public_exit_list_shows_suspensions_and_removals_but_not_warnings(
    client, coop, charter, member_a, member_b, administrator
):
    take_exit_step(member_a, "warning", by=administrator, reason="警告理由")
    take_exit_step(member_b, "suspension", by=administrator, reason="暂停理由")
    page = client.get(reverse("charter:public_exits", args=[coop.slug])).content.decode()
    assert member_b.name in page
    assert "暂停理由" in page
    assert member_a.name not in page
    assert "警告理由" not in page


def test_the_public_exit_list_runs_constant_queries(
    client, coop, charter, administrator, django_assert_num_queries
):
    url = reverse("charter:public_exits", args=[coop.slug])
    take_exit_step(MemberFactory(cooperative=coop), "removal", by=administrator, reason="x")
    with django_assert_num_queries(2):
        client.get(url)
    for _ in range(5):
        take_exit_step(MemberFactory(cooperative=coop), "suspension", by=administrator, reason="y")
    with django_assert_num_queries(2):
        response = client.get(url)
    assert len(response.context["steps"]) == 6


def test_a_public_exit_list_shows_only_its_own_cooperative(
    client, coop, other_coop, charter, administrator, other_administrator
):
    take_exit_step(
        MemberFactory(cooperative=coop, name="甲被除名"), "removal", by=administrator, reason="x"
    )
    other = MemberFactory(cooperative=other_coop, name="乙被除名")
    take_exit_step(other, "removal", by=other_administrator, reason="y")
    page = client.get(reverse("charter:public_exits", args=[coop.slug])).content.decode()
    assert "甲被除名" in page
    assert "乙被除名" not in page


# The application form -------------------------------------------------------------------


def application_data(**overrides) -> dict[str, str]:
    data = {
        # Typed in lower case with spaces, as people do.
        "credit_code": " ".join(credit_code_for(4242).lower()[i : i + 6] for i in (0, 6, 12)),
        "name": "南通新申请家纺有限公司",
        "name_en": "",
        "kind": "firm",
        "scale": "sme",
        "address": "江苏省南通市通州区",
        "contact_person": "赵经理",
        "phone": "13700000000",
        "email": "zhao@new-firm.example.cn",
        "signatory_name": "赵明",
        "accept_charter": "on",
    }
    data.update(overrides)
    return data


def test_anyone_may_apply_and_is_acknowledged(client, coop, charter, sent_mail):
    url = reverse("charter:apply", args=[coop.slug])
    page = client.get(url).content.decode()
    assert "接受本公约" in page
    response = client.post(url, application_data())
    assert response.status_code == 302
    assert response.url == reverse("charter:applied", args=[coop.slug])
    application = Application.objects.get()
    assert application.credit_code == credit_code_for(4242)
    assert application.charter_version == charter
    assert application.status == Application.Status.PENDING
    assert sent_mail[0].to == ["zhao@new-firm.example.cn"]


def test_the_application_form_requires_accepting_the_charter(client, coop, charter):
    data = application_data()
    del data["accept_charter"]
    response = client.post(
        reverse("charter:apply", args=[coop.slug]), data, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "Admission requires accepting the charter in force." in response.content.decode()
    assert not Application.objects.exists()


def test_the_application_form_explains_a_mistyped_credit_code(client, coop, charter):
    code = credit_code_for(4242)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(
        reverse("charter:apply", args=[coop.slug]),
        application_data(credit_code=wrong),
        headers={"accept-language": "en"},
    )
    assert "check character" in response.content.decode()
    assert not Application.objects.exists()


def test_the_application_form_refuses_a_duplicate(client, coop, charter):
    url = reverse("charter:apply", args=[coop.slug])
    client.post(url, application_data())
    response = client.post(url, application_data(), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "already awaiting review" in response.content.decode()
    assert Application.objects.count() == 1


# Member pages -----------------------------------------------------------------------------


def test_a_member_user_accepts_the_charter_in_force(personas, member_a, member_user_a, charter):
    url = reverse("charter:accept")
    assert personas.member_a.get(url).status_code == 200
    response = personas.member_a.post(
        url, {"member": member_a.pk, "signatory_name": "王经理", "accept": "on"}
    )
    assert response.status_code == 302
    acceptance = CharterAcceptance.objects.get(member=member_a)
    assert acceptance.version == charter
    assert acceptance.recorded_by == member_user_a
    assert personas.member_a.get(url).context["accepted"] == acceptance


def test_the_acceptance_page_is_for_the_members_own_users(personas, member_a, charter):
    url = reverse("charter:accept")
    assert login_redirect(personas.anonymous.get(url))
    assert personas.member_b.get(url, {"member": member_a.pk}).status_code == 404
    assert (
        personas.member_b.post(
            url, {"member": member_a.pk, "signatory_name": "x", "accept": "on"}
        ).status_code
        == 404
    )
    assert personas.administrator.get(url).status_code == 404
    assert personas.other_administrator.get(url).status_code == 404
    assert not CharterAcceptance.objects.exists()


def test_a_member_sees_its_cases_but_not_proposals(personas, member_a, charter, administrator):
    take_exit_step(member_a, "warning", by=administrator, reason="抽查不合格", evidence="报告 R-1")
    propose_consequence(member_a, "suspension", reason="内部提议", source_ref="run:1")
    response = personas.member_a.get(reverse("charter:member_cases"), {"member": member_a.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "抽查不合格" in page
    assert "报告 R-1" in page
    assert "内部提议" not in page


def test_a_members_cases_are_404_for_everyone_else(personas, member_a, charter, administrator):
    take_exit_step(member_a, "warning", by=administrator, reason="抽查不合格")
    url = reverse("charter:member_cases")
    assert login_redirect(personas.anonymous.get(url))
    assert personas.member_b.get(url, {"member": member_a.pk}).status_code == 404
    assert "抽查不合格" not in personas.member_b.get(url).content.decode()
    assert personas.administrator.get(url, {"member": member_a.pk}).status_code == 404
    assert personas.other_administrator.get(url, {"member": member_a.pk}).status_code == 404
    assert personas.member_a.get(url, {"member": "x"}).status_code == 404


def test_a_member_appeals_its_own_step(personas, member_a, charter, administrator):
    step = take_exit_step(member_a, "warning", by=administrator, reason="等级 D")
    url = reverse("charter:appeal", args=[step.pk])
    assert personas.member_a.post(url, {"grounds": "数据有误"}).status_code == 302
    assert step.appeal.grounds == "数据有误"


def test_nobody_else_may_appeal_a_members_step(personas, member_a, charter, administrator):
    step = take_exit_step(member_a, "warning", by=administrator, reason="等级 D")
    url = reverse("charter:appeal", args=[step.pk])
    assert login_redirect(personas.anonymous.post(url, {"grounds": "x"}))
    assert personas.member_b.post(url, {"grounds": "x"}).status_code == 404
    assert personas.other_administrator.post(url, {"grounds": "x"}).status_code == 404
    assert personas.member_a.get(url).status_code == 405
    assert not ExitStep.objects.filter(appeal__isnull=False).exists()


# Administrators' pages --------------------------------------------------------------------

STAFF_PAGES = ["manage", "not_accepted", "take_step"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_are_for_the_cooperatives_administrators(personas, coop, charter, name):
    url = reverse(f"charter:{name}", args=[coop.slug])
    assert personas.administrator.get(url).status_code == 200
    assert login_redirect(personas.anonymous.get(url))
    for persona in ("member_a", "other_administrator", "regulator", "lab"):
        assert getattr(personas, persona).get(url).status_code == 404, persona


def test_the_dashboard_lists_pending_work_in_constant_queries(
    personas, coop, charter, django_assert_num_queries
):
    url = reverse("charter:manage", args=[coop.slug])

    def add_work(n: int) -> None:
        for i in range(n):
            member = MemberFactory(cooperative=coop)
            propose_consequence(member, "warning", reason="D", source_ref=f"run:{i}")
            submit_application(ApplicationFactory.build(cooperative=coop, charter_version=charter))

    add_work(1)
    personas.administrator.get(url)
    # One of them loads the second factor's device of the administrator's session.
    with django_assert_num_queries(10):
        personas.administrator.get(url)
    add_work(5)
    with django_assert_num_queries(10):
        response = personas.administrator.get(url)
    assert len(response.context["proposals"]) == 6


def test_an_administrator_reminds_members_that_have_not_accepted(
    personas, coop, charter, member_a, member_b, sent_mail
):
    accept_charter(member_a, charter, signatory_name="王经理", by=None)
    url = reverse("charter:not_accepted", args=[coop.slug])
    assert list(personas.administrator.get(url).context["members"]) == [member_b]
    assert personas.administrator.post(url).status_code == 302
    personas.administrator.post(url)
    assert len(sent_mail) == 1
    assert personas.other_administrator.post(url).status_code == 404
    assert personas.member_a.post(url).status_code == 404


def test_an_administrator_approves_an_application_with_the_checklist(
    personas, coop, charter, sent_mail
):
    application = submit_application(
        ApplicationFactory.build(cooperative=coop, charter_version=charter)
    )
    url = reverse("charter:review_application", args=[coop.slug, application.pk])
    page = personas.administrator.get(url).content.decode()
    for condition in charter.basic_conditions("zh"):
        assert condition in page
    english = personas.administrator.get(url, headers={"accept-language": "en"})
    assert charter.basic_conditions("en")[1] in english.content.decode()
    incomplete = personas.administrator.post(url, {"decision": "approve", "checklist": [0, 1]})
    assert incomplete.status_code == 200
    assert not Member.objects.filter(credit_code=application.credit_code).exists()
    response = personas.administrator.post(url, {"decision": "approve", "checklist": [0, 1, 2, 3]})
    assert response.status_code == 302
    member = Member.objects.get(credit_code=application.credit_code)
    assert member.status == Member.Status.ACTIVE
    # The receipt, the invitation of the contact to be the owner, and the decision.
    assert len(sent_mail) == 3


def test_an_administrator_rejects_an_application_with_a_reason(personas, coop, charter):
    application = submit_application(
        ApplicationFactory.build(cooperative=coop, charter_version=charter)
    )
    url = reverse("charter:review_application", args=[coop.slug, application.pk])
    assert personas.administrator.post(url, {"decision": "reject", "reason": ""}).status_code == 200
    personas.administrator.post(url, {"decision": "reject", "reason": "不在集群内"})
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.decision_reason == "不在集群内"


def test_an_application_is_404_outside_the_administrators_cooperative(
    personas, coop, other_coop, charter, other_charter
):
    application = submit_application(
        ApplicationFactory.build(cooperative=coop, charter_version=charter)
    )
    own = reverse("charter:review_application", args=[coop.slug, application.pk])
    across = reverse("charter:review_application", args=[other_coop.slug, application.pk])
    assert login_redirect(personas.anonymous.get(own))
    assert personas.other_administrator.get(own).status_code == 404
    assert personas.other_administrator.get(across).status_code == 404
    assert (
        personas.other_administrator.post(across, {"decision": "reject", "reason": "x"}).status_code
        == 404
    )
    assert personas.member_a.get(own).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_an_administrator_takes_a_step_by_hand(personas, coop, charter, member_a, administrator):
    url = reverse("charter:take_step", args=[coop.slug])
    response = personas.administrator.post(
        url,
        {"member": member_a.pk, "kind": "warning", "reason": "抽查不合格", "evidence": "R-1"},
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.status == Member.Status.WARNED
    step = ExitStep.objects.get()
    assert (step.proposed_by, step.decided_by) == (administrator, administrator)


def test_a_step_cannot_be_taken_against_another_cooperatives_member(
    personas, coop, other_coop, charter
):
    stranger = MemberFactory(cooperative=other_coop)
    response = personas.administrator.post(
        reverse("charter:take_step", args=[coop.slug]),
        {"member": stranger.pk, "kind": "warning", "reason": "x"},
    )
    assert response.status_code == 200
    assert not ExitStep.objects.exists()


def test_a_step_sent_with_errors_in_both_forms_has_one_error_summary(personas, coop, charter):
    response = personas.administrator.post(
        reverse("charter:take_step", args=[coop.slug]), {"member": "", "kind": "", "reason": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="error-summary"') == 1
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    # The member (chooser) and the step's kind (the step form) are both listed in it.
    assert 'href="#id_member"' in summary
    assert 'href="#id_kind' in summary
    assert not ExitStep.objects.exists()


def test_an_administrator_decides_a_proposal_on_the_case_page(personas, coop, charter, member_a):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    step = case.steps.get()
    page = personas.administrator.get(reverse("charter:case", args=[coop.slug, case.pk]))
    assert page.status_code == 200
    url = reverse("charter:decide_step", args=[coop.slug, step.pk])
    personas.administrator.post(
        url, {f"step{step.pk}-decision": "confirm", f"step{step.pk}-reason": "核实"}
    )
    step.refresh_from_db()
    assert step.status == ExitStep.Status.CONFIRMED


def test_charter_pages_name_the_source_of_a_proposal_in_words_not_its_code(
    personas, coop, charter, member_a
):
    case = propose_consequence(
        member_a, "warning", reason="等级 D", source_ref="assessment:2024-H2:r1"
    )
    english = {"accept-language": "en"}
    for url in (
        reverse("charter:manage", args=[coop.slug]),
        reverse("charter:case", args=[coop.slug, case.pk]),
    ):
        page = personas.administrator.get(url, headers=english).content.decode()
        assert "assessment of the second half of 2024, first publication" in page
        assert "assessment:2024-H2" not in page


def test_the_open_cases_are_listed_by_member_not_by_bare_number(personas, coop, charter, member_a):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    page = personas.administrator.get(reverse("charter:manage", args=[coop.slug]))
    url = reverse("charter:case", args=[coop.slug, case.pk])
    assert f'<a href="{url}">{member_a.display_name}</a>' in page.content.decode()
    assert f'<a href="{url}">{case.pk}</a>' not in page.content.decode()


def test_case_pages_and_decisions_are_404_outside_the_cooperative(
    personas, coop, charter, member_a, member_user_a, administrator
):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    step = case.steps.get()
    urls = [
        reverse("charter:case", args=[coop.slug, case.pk]),
        reverse("charter:decide_step", args=[coop.slug, step.pk]),
    ]
    data = {f"step{step.pk}-decision": "confirm", f"step{step.pk}-reason": "x"}
    for url in urls:
        assert login_redirect(personas.anonymous.post(url, data))
        for persona in ("other_administrator", "member_a", "regulator"):
            assert getattr(personas, persona).post(url, data).status_code == 404, persona
    assert personas.other_administrator.get(urls[0]).status_code == 404
    step.refresh_from_db()
    assert step.status == ExitStep.Status.PROPOSED


def test_the_appeal_page_refuses_the_proposer_and_accepts_another_administrator(
    personas, client, coop, charter, member_a, member_user_a, administrator, second_administrator
):
    step = take_exit_step(member_a, "suspension", by=administrator, reason="两次 D")
    appeal = lodge_appeal(step, by=member_user_a, grounds="有误")
    url = reverse("charter:decide_appeal", args=[coop.slug, appeal.pk])
    data = {f"appeal{appeal.pk}-decision": "uphold", f"appeal{appeal.pk}-reason": "撤销"}
    response = personas.administrator.post(
        url, data, follow=True, headers={"accept-language": "en"}
    )
    assert "another administrator must decide" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == "pending"
    assert personas.other_administrator.post(url, data).status_code == 404
    client.force_login(second_administrator)
    verify_second_factor(client, second_administrator)
    client.post(url, data)
    appeal.refresh_from_db()
    assert appeal.status == "upheld"
    member_a.refresh_from_db()
    assert member_a.status == Member.Status.ACTIVE


def test_the_not_accepted_list_runs_constant_queries(
    personas, coop, charter, django_assert_num_queries
):
    url = reverse("charter:not_accepted", args=[coop.slug])
    MemberFactory(cooperative=coop)
    personas.administrator.get(url)
    # One of them loads the second factor's device of the administrator's session.
    with django_assert_num_queries(6):
        personas.administrator.get(url)
    MemberFactory.create_batch(8, cooperative=coop)
    with django_assert_num_queries(6):
        response = personas.administrator.get(url)
    # Nine new members and the personas member_a and member_b.
    assert len(response.context["members"]) == 11


def test_the_member_cases_page_runs_constant_queries(
    personas, coop, charter, member_a, administrator, django_assert_num_queries
):
    url = reverse("charter:member_cases")
    take_exit_step(member_a, "warning", by=administrator, reason="一")
    personas.member_a.get(url)
    with django_assert_num_queries(7):
        personas.member_a.get(url)
    take_exit_step(member_a, "suspension", by=administrator, reason="二")
    take_exit_step(member_a, "removal", by=administrator, reason="三")
    with django_assert_num_queries(7):
        response = personas.member_a.get(url)
    assert len(response.context["cases"][0]["steps"]) == 3


def test_every_page_renders_with_the_demo_in_both_languages(client, db):
    from charter import demo as charter_demo
    from charter.setup import setup_charter
    from members import demo as members_demo
    from members.models import User

    cooperative = members_demo.load()
    setup_charter(cooperative)
    charter_demo.load(cooperative)
    reviewer = User.objects.get(email="reviewer@example.cn")
    client.force_login(reviewer)
    verify_second_factor(client, reviewer)
    slug = cooperative.slug
    case = ExitStep.objects.of_cooperative(cooperative).get(appeal__isnull=False).case
    pages = [
        reverse(f"charter:{name}", args=[slug])
        for name in (
            "current",
            "archive",
            "diff",
            "methodology",
            "public_exits",
            "apply",
            "applied",
            "manage",
            "not_accepted",
            "take_step",
        )
    ]
    pages += [
        reverse("charter:version", args=[slug, 1]),
        reverse("charter:case", args=[slug, case.pk]),
        reverse(
            "charter:review_application",
            args=[slug, Application.objects.get(status="pending").pk],
        ),
    ]
    for language in ("zh-hans", "en"):
        for url in pages:
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200, url
            assert f'lang="{language}"' in response.content.decode()


def test_the_application_form_slows_down_a_flood_from_one_address(client, coop, charter):
    url = reverse("charter:apply", args=[coop.slug])
    for number in range(10):
        response = client.post(url, application_data(credit_code=credit_code_for(6000 + number)))
        assert response.status_code == 302
    response = client.post(
        url, application_data(credit_code=credit_code_for(6100)), headers={"accept-language": "en"}
    )
    assert response.status_code == 429
    assert "Too many applications" in response.content.decode()
    assert Application.objects.count() == 10


def test_a_member_reads_its_appeals_grounds_and_once_decided_the_decision_and_reasons(
    personas, member_a, member_user_a, charter, administrator, second_administrator
):
    from charter.services import decide_appeal

    step = take_exit_step(member_a, "warning", by=administrator, reason="等级 D")
    appeal = lodge_appeal(step, by=member_user_a, grounds="抽样批次不是本厂产品")
    url = reverse("charter:member_cases")
    pending = personas.member_a.get(url, {"member": member_a.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = pending.content.decode()
    assert "抽样批次不是本厂产品" in page
    assert "等待决定" in page or str(Appeal.Status.PENDING.label) in page
    assert "决定理由" not in page
    decide_appeal(appeal, by=second_administrator, upheld=False, reason="批次号与送检单一致")
    decided = personas.member_a.get(url, {"member": member_a.pk}, HTTP_ACCEPT_LANGUAGE="en")
    page = decided.content.decode()
    assert "抽样批次不是本厂产品" in page
    assert "Reasons for the decision" in page
    assert "批次号与送检单一致" in page
    assert "rejected: the step stands" in page
    # Nobody else reads the appeal.
    assert personas.member_b.get(url, {"member": member_a.pk}).status_code == 404
    assert "抽样批次不是本厂产品" not in personas.member_b.get(url).content.decode()


def test_a_case_is_named_by_its_member_and_opening_date_never_its_number(
    personas, coop, charter, member_a, administrator
):
    from django.utils import timezone
    from django.utils.formats import date_format
    from django.utils.translation import override

    with override("zh-hans"):
        take_exit_step(
            member_a, "warning", by=administrator, reason="抽查不合格", evidence="报告 R-1"
        )
    case = member_a.exit_cases.get()
    change = member_a.status_changes.get()
    with override("zh-hans"):
        opened = date_format(timezone.localtime(case.opened_at).date())
        name = f"{member_a.name}的案件，{opened} 立案"
        assert str(case) == name
    # The reason written on the member's status change names the case the same way.
    assert name in change.reason
    assert f"案件 {case.pk}" not in change.reason
    zh = {"accept-language": "zh-hans"}
    pages = [
        personas.member_a.get(reverse("charter:member_cases"), {"member": member_a.pk}, headers=zh),
        personas.administrator.get(reverse("charter:case", args=[coop.slug, case.pk]), headers=zh),
    ]
    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        assert name in page
        assert f"案件 {case.pk}" not in page
        assert f"Case {case.pk}" not in page
    with override("en"):
        day = date_format(timezone.localtime(case.opened_at).date())
        assert str(case) == f"Case of {member_a.name_en}, opened {day}"
