import datetime
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from charter.models import CharterVersion
from charter.rendering import render_markdown
from charter.services import draft_charter_version, publish_charter_version
from tests.charter.factories import CharterVersionFactory

pytestmark = pytest.mark.django_db


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


TODAY = datetime.date(2026, 6, 1)


def published(coop, effective_from, **fields):
    version = CharterVersionFactory(cooperative=coop, effective_from=effective_from, **fields)
    return publish_charter_version(version, by=None, on=min(TODAY, effective_from))


def test_the_version_in_force_is_the_latest_published_on_or_before_the_day(coop, charter):
    second = published(coop, datetime.date(2026, 7, 1))
    CharterVersionFactory(cooperative=coop, effective_from=datetime.date(2026, 6, 15))
    in_force = CharterVersion.objects.in_force
    assert in_force(coop, on=datetime.date(1999, 12, 31)) is None
    assert in_force(coop, on=datetime.date(2000, 1, 1)) == charter
    assert in_force(coop, on=datetime.date(2026, 6, 30)) == charter
    # The draft dated 15 June is never in force.
    assert in_force(coop, on=datetime.date(2026, 6, 20)) == charter
    assert in_force(coop, on=datetime.date(2026, 7, 1)) == second
    assert in_force(coop, on=datetime.date(2040, 1, 1)) == second


def test_each_cooperative_has_its_own_version_in_force(coop, other_coop, charter, other_charter):
    day = datetime.date(2026, 1, 1)
    assert CharterVersion.objects.in_force(coop, on=day) == charter
    assert CharterVersion.objects.in_force(other_coop, on=day) == other_charter


def test_an_edit_of_a_published_version_is_refused(charter):
    version = CharterVersion.objects.get(pk=charter.pk)
    version.purpose_zh = "改写"
    with pytest.raises(ValidationError, match="never changes"):
        version.save()
    assert CharterVersion.objects.get(pk=charter.pk).purpose_zh != "改写"


def test_an_edit_of_a_published_versions_policy_is_refused(charter):
    policy = CharterVersion.objects.get(pk=charter.pk).policy
    policy.critical_penalty = 1
    with pytest.raises(ValidationError, match="never changes"):
        policy.save()


def test_a_published_version_cannot_be_deleted(charter):
    with pytest.raises(ValidationError):
        CharterVersion.objects.get(pk=charter.pk).delete()


def test_a_draft_can_be_edited_then_published_and_is_final_afterwards(coop, charter):
    draft = draft_charter_version(coop, effective_from=datetime.date(2026, 9, 1))
    assert draft.number == 2
    assert draft.purpose_zh == charter.purpose_zh
    assert draft.policy.min_pass_rate == charter.policy.min_pass_rate
    draft.purpose_zh = "新的宗旨"
    draft.save()
    draft.policy.min_pass_rate = 92
    draft.policy.save()
    publish_charter_version(draft, by=None, on=TODAY)
    draft = CharterVersion.objects.get(pk=draft.pk)
    assert draft.is_published
    assert draft.published_at is not None
    draft.purpose_zh = "再改"
    with pytest.raises(ValidationError):
        draft.save()


def test_publishing_with_an_effective_date_before_the_version_in_force_is_refused(coop, charter):
    published(coop, datetime.date(2026, 7, 1))
    early = CharterVersionFactory(cooperative=coop, effective_from=datetime.date(2026, 6, 20))
    with pytest.raises(ValidationError, match="after that day"):
        publish_charter_version(early, by=None, on=TODAY)
    same_day = CharterVersionFactory(cooperative=coop, effective_from=datetime.date(2026, 7, 1))
    with pytest.raises(ValidationError, match="after that day"):
        publish_charter_version(same_day, by=None, on=TODAY)
    assert not CharterVersion.objects.get(pk=early.pk).is_published


def test_publishing_with_an_effective_date_in_the_past_is_refused(coop, charter):
    past = CharterVersionFactory(cooperative=coop, effective_from=datetime.date(2026, 5, 31))
    with pytest.raises(ValidationError, match="in the past"):
        publish_charter_version(past, by=None, on=TODAY)


def test_publishing_twice_is_refused(coop, charter):
    version = published(coop, datetime.date(2026, 7, 1))
    with pytest.raises(ValidationError, match="published already"):
        publish_charter_version(version, by=None, on=TODAY)


def test_publishing_needs_every_section_in_both_languages(coop, charter):
    draft = CharterVersionFactory(
        cooperative=coop, effective_from=datetime.date(2026, 7, 1), duties_en=""
    )
    with pytest.raises(ValidationError, match="Duties and obligations"):
        publish_charter_version(draft, by=None, on=TODAY)


def test_publishing_validates_the_policy(coop, charter):
    draft = CharterVersionFactory(cooperative=coop, effective_from=datetime.date(2026, 7, 1))
    draft.policy.grade_b_min = 95
    draft.policy.save()
    with pytest.raises(ValidationError):
        publish_charter_version(draft, by=None, on=TODAY)


def test_markdown_renders_formatting():
    html = render_markdown("**重要**\n\n- 一\n- 二\n\n[公约](https://example.cn/charter)")
    assert "<strong>重要</strong>" in html
    assert "<li>一</li>" in html
    assert 'href="https://example.cn/charter"' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "before <script>alert(1)</script> after",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_markdown_never_lets_scripts_or_unsafe_links_through(text):
    parser = TagCollector()
    parser.feed(str(render_markdown(text)))
    tags = {tag for tag, _attributes in parser.tags}
    assert not tags & {"script", "img", "iframe", "div", "style"}
    for _tag, attributes in parser.tags:
        for name, value in attributes:
            assert not name.startswith("on")
            assert name != "style"
            if name == "href":
                assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}


def test_a_published_version_page_shows_the_sanitised_text(client, coop, charter):
    draft = CharterVersionFactory(
        cooperative=coop,
        effective_from=datetime.date(2026, 7, 1),
        purpose_zh="宗旨 <script>alert('x')</script> [链接](javascript:alert(1))",
    )
    publish_charter_version(draft, by=None, on=TODAY)
    page = client.get(f"/charter/{coop.slug}/versions/{draft.number}/").content.decode()
    assert "<script>alert" not in page
    assert "javascript:alert" not in page
    assert "&lt;script&gt;" in page


def test_the_checklist_is_the_list_of_basic_conditions(charter):
    conditions = charter.basic_conditions("zh")
    assert len(conditions) == 4
    assert conditions[0] == "依法登记，持有有效的统一社会信用代码"
    assert charter.basic_conditions("en")[0].startswith("Lawfully registered")
    assert charter.basic_conditions() == charter.basic_conditions("en")
