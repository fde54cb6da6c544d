import pytest

from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_in_chinese_then_english_through_the_switcher(page, coop):
    page.goto(page.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", level=1).inner_text() == "质量合作社"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name=coop.name_en).is_visible()
    # The choice sticks on the next page.
    page.get_by_role("link", name=coop.name_en).click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == coop.name_en
    screenshot(page, "foundation-cooperative-en")


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page, db):
    page.goto(page.base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"


def test_layout_fits_a_phone_without_horizontal_scrolling(phone, coop):
    phone.goto(phone.base_url + "/")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(phone, "foundation-home-phone")


def test_foundation_pages_have_no_accessibility_violations_in_either_language(page, coop):
    for path in ("/", f"/members/{coop.slug}/", "/accounts/login/", "/no-such-page/"):
        for language in ("zh-hans", "en"):
            page.context.add_cookies(
                [{"name": "django_language", "value": language, "url": page.base_url}]
            )
            page.goto(page.base_url + path)
            assert_accessible(page)
