import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from charter.models import CharterVersion, ScoringPolicy
from tests.charter.factories import CharterVersionFactory

pytestmark = pytest.mark.django_db

VERSION_FIELDS = [
    "cooperative",
    "effective_from",
    "title_zh",
    "title_en",
    "purpose_zh",
    "purpose_en",
    "principles_zh",
    "principles_en",
    "duties_zh",
    "duties_en",
    "conditions_zh",
    "conditions_en",
    "mechanism_zh",
    "mechanism_en",
    "change_note_zh",
    "change_note_en",
]


def change_data(version: CharterVersion, **policy_changes) -> dict[str, object]:
    data: dict[str, object] = {
        field: value
        for field, value in model_to_dict(version, fields=VERSION_FIELDS).items()
        if value is not None
    }
    data["effective_from"] = version.effective_from.isoformat()
    policy = model_to_dict(version.policy, exclude=["charter_version"])
    policy.update(policy_changes)
    data.update(
        {
            "policy-TOTAL_FORMS": "1",
            "policy-INITIAL_FORMS": "1",
            "policy-MIN_NUM_FORMS": "1",
            "policy-MAX_NUM_FORMS": "1",
            "policy-0-charter_version": str(version.pk),
            "policy-0-id": str(version.policy.pk),
        }
    )
    for field, value in policy.items():
        data[f"policy-0-{field}"] = value
    return data


def test_a_published_version_is_read_only_in_the_admin(personas, charter):
    url = reverse("admin:charter_charterversion_change", args=[charter.pk])
    page = personas.administrator.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = personas.administrator.post(url, change_data(charter, critical_penalty="1"))
    assert response.status_code == 403
    assert ScoringPolicy.objects.get(charter_version=charter).critical_penalty == 15


def test_a_draft_and_its_policy_are_editable_in_the_admin(personas, coop, charter):
    draft = CharterVersionFactory(cooperative=coop)
    url = reverse("admin:charter_charterversion_change", args=[draft.pk])
    assert 'name="_save"' in personas.administrator.get(url).content.decode()
    data = change_data(draft, critical_penalty="12.0")
    data["purpose_zh"] = "修订后的宗旨"
    response = personas.administrator.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    draft.refresh_from_db()
    assert draft.purpose_zh == "修订后的宗旨"
    assert draft.policy.critical_penalty == 12


def test_the_admin_explains_an_invalid_policy(personas, coop, charter):
    draft = CharterVersionFactory(cooperative=coop)
    url = reverse("admin:charter_charterversion_change", args=[draft.pk])
    response = personas.administrator.post(
        url, change_data(draft, grade_b_min="95.0"), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "A above B above C" in response.content.decode()
    assert ScoringPolicy.objects.get(charter_version=draft).grade_b_min == 75


def test_the_admin_publishes_a_draft_through_the_service(personas, coop, charter):
    draft = CharterVersionFactory(cooperative=coop, effective_from=coop.today())
    personas.administrator.post(
        reverse("admin:charter_charterversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert CharterVersion.objects.get(pk=draft.pk).is_published


def test_the_admin_drafts_the_next_version(personas, coop, charter):
    personas.administrator.post(
        reverse("admin:charter_charterversion_changelist"),
        {"action": "draft_next", "_selected_action": [charter.pk]},
    )
    draft = coop.charter_versions.get(number=2)
    assert draft.status == CharterVersion.Status.DRAFT
    assert draft.policy.min_pass_rate == charter.policy.min_pass_rate


def test_an_administrator_sees_only_their_cooperatives_versions(
    personas, coop, charter, other_charter
):
    listing = personas.administrator.get(reverse("admin:charter_charterversion_changelist"))
    assert list(listing.context["cl"].queryset) == [charter]
    url = reverse("admin:charter_charterversion_change", args=[other_charter.pk])
    response = personas.administrator.get(url)
    assert response.status_code in {302, 404}
    assert other_charter.title_zh not in response.content.decode()


def test_members_cannot_reach_the_charter_admin(personas, charter):
    url = reverse("admin:charter_charterversion_changelist")
    for persona in (personas.member_a, personas.anonymous, personas.regulator):
        response = persona.get(url)
        assert response.status_code in {302, 404}
        assert "nantong v1" not in response.content.decode()


def test_the_required_commitment_kinds_are_ticked_not_typed(personas, coop, charter):
    draft = CharterVersionFactory(cooperative=coop)
    url = reverse("admin:charter_charterversion_change", args=[draft.pk])
    page = personas.administrator.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert 'type="checkbox" name="policy-0-required_kinds" value="pass_rate"' in page
    assert "抽查合格率" in page
    data = change_data(draft, required_kinds=["pass_rate", "response_days"])
    assert personas.administrator.post(url, data).status_code == 302
    draft.policy.refresh_from_db()
    assert draft.policy.required_kinds == ["pass_rate", "response_days"]


def test_a_refused_publication_names_the_version_in_words_with_a_chinese_colon(
    personas, coop, charter
):
    # The version in force is published already: publishing it again is refused.
    response = personas.administrator.post(
        reverse("admin:charter_charterversion_changelist"),
        {"action": "publish", "_selected_action": [charter.pk]},
        headers={"accept-language": "zh-hans"},
        follow=True,
    )
    texts = [str(message) for message in response.context["messages"]]
    assert any(text.startswith(f"南通家纺质量合作社 公约第{charter.number}版：") for text in texts)
