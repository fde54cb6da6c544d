"""Journey 3: a consumer on a phone files a complaint with a photo, keeps the tracking code and
follows the complaint to the member's answer, in Chinese and in English."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from PIL import Image

from complaints import services as complaint_services
from complaints.models import Complaint, Evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "床单第一次洗涤后严重褪色，染到了其他衣物上。"
ANSWER = "非常抱歉。我们将为您免费更换新的床单，并承担运费。"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The complaint form counts posts per address in the cache (Redis on the PostgreSQL run).
    cache.clear()
    yield
    cache.clear()


def photo() -> bytes:
    """A small real photo of the faded sheet, as a phone would send it."""
    image = Image.new("RGB", (64, 48), (200, 120, 120))
    for x in range(32):
        for y in range(48):
            image.putpixel((x, y), (235, 200, 200))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def test_consumer_on_a_phone_files_a_complaint_and_follows_it_to_the_answer(
    people, coop, member_a, member_b, member_user_a
):
    consumer = people.person(phone=True)
    t = consumer.t
    page = consumer.page
    member_name = consumer.shown(member_a, "display_name")

    # 1. From the home page to the cooperative's complaint form.
    consumer.open("/")
    consumer.follow(page.get_by_role("link", name=consumer.shown(coop, "name")))
    consumer.follow(page.get_by_role("link", name=t("File a complaint")).first)
    assert consumer.heading() == t("File a complaint")

    # 2. Start writing, find the member by part of its name (what was typed stays, and the
    # one match is chosen), then finish the complaint with a photo.
    consumer.field(t("Product")).fill("纯棉四件套")
    consumer.field(t("What happened")).fill(DESCRIPTION)
    consumer.field(t("Find the member by name")).fill(member_name[:6])
    consumer.submit(page.get_by_role("button", name=t("Search"), exact=True))
    assert consumer.field(t("Product")).input_value() == "纯棉四件套"
    assert consumer.field(t("What happened")).input_value() == DESCRIPTION
    chosen = consumer.field(t("Member complained about"))
    assert chosen.evaluate("select => select.selectedOptions[0].textContent") == member_name
    consumer.field(t("What would you like the member to do?")).fill("更换或退款")
    consumer.field(t("Your name")).fill("张三")
    consumer.field(t("Phone")).fill("13912345678")
    consumer.field(
        t("The member may see my name and contact details to settle the complaint")
    ).check()
    consumer.field(t("Photos and receipts")).set_input_files(
        files=[{"name": "faded-sheet.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    consumer.submit(page.get_by_role("button", name=t("Send the complaint")))

    # 3. The reference and the tracking code, shown this once.
    assert consumer.heading() == t("Complaint received")
    facts = page.locator("dl.facts dd")
    reference, code = facts.nth(0).inner_text().strip(), facts.nth(1).inner_text().strip()
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.member == member_a
    assert complaint.check_tracking_code(code)
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.content_type == "image/jpeg"
    assert evidence.original_name == "faded-sheet.jpg"

    # In between, the cooperative accepts the complaint and forwards it to the member, whose
    # user answers it in the member portal.
    complaint_services.accept_complaint(complaint, None)
    complaint_services.forward_complaint(complaint, None)
    firm = people.person()
    firm.open(f"/complaints/member/{complaint.pk}/")
    firm.log_in(member_user_a)
    firm.field(firm.t("Your answer to the consumer")).fill(ANSWER)
    firm.submit(firm.page.get_by_role("button", name=firm.t("Send the answer")))
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED

    # 4. Days later, on the same phone: the reference and code open the complaint again.
    later = people.person(phone=True)
    later.open(f"/complaints/{coop.slug}/track/")
    later.field(t("Reference")).fill(reference)
    later.field(t("Tracking code")).fill(code)
    later.submit(later.page.get_by_role("button", name=t("Show my complaint")))
    assert later.heading() == t("Complaint %(reference)s", reference=reference)
    assert later.page.get_by_text(t("answered by the member"), exact=True).is_visible()
    timeline = later.page.locator("ol.complaints-timeline")
    assert timeline.get_by_text(ANSWER).is_visible()
    assert timeline.get_by_role("link", name="faded-sheet.jpg").is_visible()
    later.finish("consumer")


def test_consumer_on_a_phone_finds_a_member_from_the_home_page_and_complains_about_it(
    people, coop, member_a, member_b
):
    consumer = people.person(phone=True)
    t = consumer.t
    page = consumer.page
    member_name = consumer.shown(member_a, "display_name")

    consumer.open("/")
    consumer.field(t("Find a member by name or credit code")).fill(member_a.credit_code)
    consumer.submit(page.get_by_role("button", name=t("Search"), exact=True))
    assert consumer.heading() == t("Member directory")
    consumer.follow(page.get_by_role("link", name=member_name))
    assert consumer.heading() == member_name
    consumer.follow(page.get_by_role("link", name=t("Complain about this member")))

    assert consumer.heading() == t("File a complaint")
    chosen = consumer.field(t("Member complained about"))
    assert chosen.evaluate("select => select.selectedOptions[0].textContent") == member_name
