"""What the four browser journeys share: a person in a browser who checks every page they see.

A ``Person`` is one browser context (its own cookies, so its own log-in) in the journey's
language. Every page it reaches through ``open``, ``follow`` or ``submit`` is checked: the page
is in the journey's language, axe-core finds no WCAG 2.2 AA violation on it and, on a phone,
it is no wider than the screen. Chinese comes from the browser's own preference (a Chinese
browser); English from the language switcher on the first page, after which the choice must
stick on every page that follows.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from members.models import User
from tests.e2e.conftest import assert_accessible, screenshot

LANGUAGES = ["zh-hans", "en"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# Waits for an element, and for a page (which may render a PDF or run an assessment), long
# enough for a busy CI machine and short enough to fail clearly.
TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 30_000


def t(language: str, message: str, **values: Any) -> str:
    """``message`` as the page shows it in ``language``; a missing Chinese text is a failure."""
    with translation.override(language):
        text = translation.gettext(message)
    if language != "en":
        assert text != message, f"no {language} translation for {message!r}"
    return text % values if values else text


def pattern(language: str, message: str, **values: Any) -> re.Pattern[str]:
    """``message`` as a pattern: the values given in place, any text for the others (a date,
    whose format follows the language)."""
    text = re.escape(t(language, message))
    for name in re.findall(r"%\\\(([a-z_]+)\\\)s", text):
        placeholder = re.escape(f"%({name})s")
        value = re.escape(str(values[name])) if name in values else ".+?"
        text = text.replace(placeholder, value)
    return re.compile(f"^{text}$")


def enable_two_factor(user: User) -> TOTPDevice:
    """The authenticator app the person set up earlier (accounts:two_factor_setup)."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now.

    A code is accepted once: if this time step was used already (the same person logging in
    twice within 30 seconds), the app's next code, which the device's tolerance accepts.
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.drift = device.drift + 1
    return f"{totp.token():0{device.digits}d}"


@dataclass
class Person:
    """One person's browser, on a desktop or a phone, in the journey's language."""

    page: Any
    language: str
    base_url: str
    phone: bool = False
    switched: bool = False

    def t(self, message: str, **values: Any) -> str:
        return t(self.language, message, **values)

    def pattern(self, message: str, **values: Any) -> re.Pattern[str]:
        return pattern(self.language, message, **values)

    def shown(self, obj: Any, attribute: str) -> str:
        """What the page shows of a model's localised attribute (a name in both languages)."""
        with translation.override(self.language):
            return str(getattr(obj, attribute))

    def check(self) -> None:
        """The page that just loaded is in the journey's language and passes axe-core."""
        self.page.wait_for_load_state("load")
        lang = self.page.locator("html").get_attribute("lang") or ""
        assert lang.lower() == self.language, f"{self.page.url} is in {lang!r}"
        assert_accessible(self.page)
        if self.phone:
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{self.page.url} is {overflow} px wider than the phone"

    def open(self, path: str) -> None:
        """Type an address; the first one in an English journey switches the language."""
        self.page.goto(self.base_url + path)
        if self.language == "en" and not self.switched:
            # The Chinese browser's first page is in Chinese; the switcher changes that.
            assert self.page.locator("html").get_attribute("lang") == "zh-hans"
            assert_accessible(self.page)
            self.switched = True
            self.follow(self.page.get_by_role("button", name="English", exact=True))
        else:
            self.check()

    def follow(self, locator: Any) -> None:
        """Click a link or a button that loads another page, and check that page."""
        with self.page.expect_navigation(timeout=NAVIGATION_TIMEOUT_MS):
            locator.click()
        self.check()

    submit = follow

    def field(self, label: str, within: Any = None) -> Any:
        """The form field with exactly this label (a required field's label ends in "*")."""
        scope = within or self.page
        labelled = scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))
        return labelled.and_(scope.locator("input, select, textarea"))

    def heading(self) -> str:
        return str(self.page.get_by_role("heading", level=1).first.inner_text()).strip()

    def log_in(self, user: User, *, device: TOTPDevice | None = None) -> None:
        """The log-in page (where a page for logged-in people sent them), then the code."""
        page = self.page
        page.get_by_label(self.t("e-mail address")).fill(user.email)
        page.get_by_label(self.t("Password")).fill(PASSWORD)
        self.submit(page.locator("main").get_by_role("button", name=self.t("Log in")))
        if device is not None:
            assert self.heading() == self.t("Two-factor log-in")
            page.get_by_label(self.t("Six-digit code from your authenticator app")).fill(
                current_code(device)
            )
            self.submit(page.locator("main").get_by_role("button", name=self.t("Log in")))
        assert page.get_by_role("button", name=self.t("Log out")).is_visible()

    def finish(self, name: str) -> None:
        """The screenshot of the journey's last page, kept as a test artifact."""
        screenshot(self.page, f"journey-{name}-{self.language}")


class Browsers:
    """One browser context per person of a journey, all closed when the journey ends."""

    def __init__(self, browser: Any, base_url: str, language: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.language = language
        self.contexts: list[Any] = []

    def person(self, *, phone: bool = False) -> Person:
        context = self.browser.new_context(
            locale="zh-CN",
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        self.contexts.append(context)
        return Person(context.new_page(), self.language, self.base_url, phone=phone)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
