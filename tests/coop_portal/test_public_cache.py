"""The public pages' cache (coop_portal/public_cache.py): hits, invalidation, what is never kept."""

from __future__ import annotations

import inspect
import io

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation

from coop_portal import public_cache
from coop_portal.csvimport import run_import
from members.importers import MembersImporter
from pledges.assessment import services
from pledges.models import AssessmentRun
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory, credit_code_for
from tests.pledges.pledge_factories import charter_for, published
from tests.pledges.public.factories import PeriodFactory, ResultFactory, RunFactory

pytestmark = pytest.mark.django_db


def hit(response) -> bool:
    return response.get("X-Public-Cache") == "hit"


def directory(coop) -> str:
    return reverse("members:directory", args=[coop.slug])


def test_the_second_request_is_served_from_the_cache_without_a_query(
    client, coop, member_a, django_assert_num_queries
):
    first = client.get(directory(coop))
    assert first.status_code == 200
    assert not hit(first)
    with django_assert_num_queries(0):
        second = client.get(directory(coop))
    assert hit(second)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"]
    assert "Accept-Language" in second["Vary"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_anonymous_pages_set_no_cookie(client, coop, member_a):
    response = client.get(reverse("members:member", args=[coop.slug, member_a.credit_code]))
    assert response.status_code == 200
    assert not response.cookies
    assert 'name="csrfmiddlewaretoken"' not in response.content.decode()


def test_a_changed_member_shows_on_the_next_request(client, coop, member_a):
    url = reverse("members:member", args=[coop.slug, member_a.credit_code])
    assert "Firm A" in client.get(url, headers={"accept-language": "en"}).content.decode()
    member_a.name_en = "Firm A Renamed"
    member_a.save()
    response = client.get(url, headers={"accept-language": "en"})
    assert not hit(response)
    assert "Firm A Renamed" in response.content.decode()


def test_a_published_pledge_shows_on_the_next_request(client, coop, member_a):
    charter_for(coop)
    url = reverse("pledges:member", args=[coop.slug, member_a.credit_code])
    before = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "7 days" not in before
    published(member_a)
    after = client.get(url, headers={"accept-language": "en"})
    assert not hit(after)
    assert after.content.decode() != before


def test_a_published_assessment_shows_on_the_next_request(client, coop, member_a):
    charter = charter_for(coop)
    period = PeriodFactory(cooperative=coop, code="2025")
    url = reverse("pledges:public_periods", args=[coop.slug])
    assert "2025" not in client.get(url).content.decode()
    assert hit(client.get(url))
    run = RunFactory(period=period, charter_version=charter, revision=0)
    ResultFactory(run=run, member=member_a)
    # Nothing of a draft is public, the cached list still holds.
    assert "2025" not in client.get(url).content.decode()
    services.publish_run(run, by=None)
    response = client.get(url)
    assert not hit(response)
    assert "2025" in response.content.decode()


def test_a_status_changed_by_a_queryset_update_shows_on_the_next_request(client, coop, member_a):
    charter = charter_for(coop)
    period = PeriodFactory(cooperative=coop, code="2025")
    run = RunFactory(period=period, charter_version=charter, revision=1)
    ResultFactory(run=run, member=member_a)
    url = reverse("pledges:public_periods", args=[coop.slug])
    client.get(url)
    assert "2025" not in client.get(url).content.decode()
    AssessmentRun.objects.filter(pk=run.pk).update(status=AssessmentRun.Status.PUBLISHED)
    assert "2025" in client.get(url).content.decode()


def test_an_import_shows_on_the_next_request(client, coop, member_a):
    url = directory(coop)
    client.get(url)
    assert hit(client.get(url))
    code = credit_code_for(77)
    data = (
        "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on\n"
        f"{code},南通新来家纺有限公司,firm,sme,2020-05-01,,李秀英,\n"
    ).encode()
    with translation.override("en"):
        report = run_import(MembersImporter(coop), io.BytesIO(data))
    assert report.ok
    assert report.written
    response = client.get(url)
    assert not hit(response)
    assert "南通新来家纺有限公司" in response.content.decode()


def test_a_dry_run_import_keeps_the_cached_pages(client, coop, member_a):
    url = directory(coop)
    client.get(url)
    data = (
        "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on\n"
        f"{credit_code_for(78)},南通试运行有限公司,firm,sme,2020-05-01,,,\n"
    ).encode()
    with translation.override("en"):
        assert run_import(MembersImporter(coop), io.BytesIO(data), dry_run=True).ok
    assert hit(client.get(url))


def test_a_change_in_a_transaction_bumps_again_on_commit(db, django_capture_on_commit_callbacks):
    before = public_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        public_cache.data_changed()
        during = public_cache.current_generation()
        # Many writes in one transaction bump once now and once on commit.
        public_cache.data_changed()
        public_cache.data_changed()
        assert public_cache.current_generation() == during
    assert before < during == public_cache.current_generation() - 1


def test_a_change_after_a_rolled_back_one_is_bumped_on_commit(
    coop, django_capture_on_commit_callbacks
):
    scope = public_cache.cooperative_scope(coop.slug)
    with transaction.atomic():
        public_cache.data_changed(coop.pk)
        transaction.set_rollback(True)
    before = public_cache.current_generation(scope)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        public_cache.data_changed(coop.pk)
    assert public_cache.current_generation(scope) > before


def test_the_cache_reads_no_private_state_of_the_connection():
    source = inspect.getsource(public_cache)
    assert "run_on_commit" not in source


def test_a_change_in_one_cooperative_keeps_the_pages_of_another(client, coop, other_coop, member_a):
    other_member = MemberFactory(cooperative=other_coop, name="大米甲公司")
    pages = [directory(coop), directory(other_coop), "/"]
    for url in pages:
        client.get(url)
        assert hit(client.get(url))
    # A complaint filed in the other cooperative, and its events: rows two and three
    # foreign keys away from it.
    complaint = ComplaintFactory(member=other_member)
    complaint.events.create(kind="received", on=other_coop.today())
    assert hit(client.get(directory(coop)))
    assert not hit(client.get(directory(other_coop)))
    assert not hit(client.get("/"))
    member_a.name_en = "Firm A Renamed"
    member_a.save()
    assert not hit(client.get(directory(coop)))
    assert hit(client.get(directory(other_coop)))


def test_rows_are_traced_to_their_cooperative(coop, member_a):
    charter = charter_for(coop)
    run = RunFactory(period=PeriodFactory(cooperative=coop, code="2025"), charter_version=charter)
    result = ResultFactory(run=run, member=member_a)
    fresh = type(result).objects.get(pk=result.pk)
    assert public_cache.cooperative_of(fresh) == coop.pk
    assert public_cache.cooperative_of(member_a) == coop.pk
    assert public_cache.cooperative_of(coop) is None


def test_logged_in_users_are_never_served_or_stored(client, coop, member_a, member_user_a):
    url = directory(coop)
    logged_in = Client()
    logged_in.force_login(member_user_a)
    logged_in.get(url)  # its first request starts its handler, which drops the cached pages
    client.get(url)
    assert hit(client.get(url))
    for _ in range(2):
        response = logged_in.get(url)
        assert not hit(response)
        assert 'action="/accounts/logout/"' in response.content.decode()
    # The anonymous entry is the anonymous page.
    anonymous = client.get(url)
    assert hit(anonymous)
    assert 'action="/accounts/logout/"' not in anonymous.content.decode()


def test_a_request_with_a_session_or_messages_cookie_is_not_cached(client, coop, member_a):
    url = directory(coop)
    client.cookies["messages"] = "anything"
    client.get(url)
    assert not hit(client.get(url))
    other = Client()
    other.cookies["sessionid"] = "anything"
    other.get(url)
    assert not hit(other.get(url))


def test_answers_with_cookies_or_messages_or_private_are_not_stored(rf):
    request = rf.get("/")
    request._messages = CookieStorage(request)
    assert public_cache._storable(request, HttpResponse("ok"))
    with_cookie = HttpResponse("ok")
    with_cookie.set_cookie("csrftoken", "x")
    assert not public_cache._storable(request, with_cookie)
    private = HttpResponse("ok")
    private["Cache-Control"] = "private, max-age=0"
    assert not public_cache._storable(request, private)
    assert not public_cache._storable(request, HttpResponse("gone", status=404))
    messages.info(request, "Saved.")
    assert not public_cache._storable(request, HttpResponse("ok"))


def test_a_404_is_not_stored(client, coop):
    url = reverse("members:member", args=[coop.slug, credit_code_for(99)])
    assert client.get(url).status_code == 404
    second = client.get(url)
    assert second.status_code == 404
    assert not hit(second)


def test_languages_do_not_mix(client, coop):
    chinese = client.get("/", headers={"accept-language": "zh-hans"})
    english = client.get("/", headers={"accept-language": "en"})
    assert 'lang="zh-hans"' in chinese.content.decode()
    assert 'lang="en"' in english.content.decode()
    again = client.get("/", headers={"accept-language": "en"})
    assert hit(again)
    assert 'lang="en"' in again.content.decode()
    # The language cookie the switcher sets chooses the entry too.
    client.cookies["django_language"] = "zh-hans"
    chosen = client.get("/", headers={"accept-language": "en"})
    assert hit(chosen)
    assert 'lang="zh-hans"' in chosen.content.decode()


def test_query_strings_are_distinct_entries(client, coop):
    for number in range(1, 4):
        MemberFactory(cooperative=coop, name=f"南通{number}号家纺", name_en=f"Firm {number}")
    url = directory(coop)
    everyone = client.get(url).content.decode()
    searched = client.get(url, {"q": "Firm 2"}, headers={"accept-language": "en"})
    assert not hit(searched)
    assert "Firm 1" not in searched.content.decode()
    again = client.get(url)
    assert hit(again)
    assert again.content.decode() == everyone


def test_pages_outside_the_list_are_not_cached(client, coop, member_a):
    # The badge is public and sets no cookie, but browsers and proxies cache it themselves.
    url = reverse("pledges:badge", args=[coop.slug, member_a.credit_code])
    assert client.get(url).status_code == 200
    assert not hit(client.get(url))


def test_the_language_switcher_needs_no_csrf_token_and_sticks(coop):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/")
    assert "csrftoken" not in page.cookies
    response = browser.post(reverse("set_language"), {"language": "en", "next": "/charter/x/"})
    assert response.status_code == 302
    assert response["Location"] == "/charter/x/"
    assert 'lang="en"' in browser.get("/").content.decode()
    # A foreign next address is not followed.
    away = browser.post(reverse("set_language"), {"language": "en", "next": "https://evil.test/"})
    assert away["Location"] == "/"


def test_every_listed_page_is_a_url_of_the_portal():
    from django.urls import get_resolver

    names: set[str] = set()

    def collect(resolver, prefix: str = "") -> None:
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                collect(pattern, namespace)
            elif pattern.name:
                names.add(prefix + pattern.name)

    collect(get_resolver())
    assert names >= set(public_cache.PUBLIC_PAGES)


def test_pages_are_rendered_when_the_cache_is_unreachable(
    client, coop, member_a, settings, monkeypatch
):
    # Restored after the test: the module remembers the failure for a few seconds.
    monkeypatch.setattr(public_cache, "_unavailable_until", 0.0)
    monkeypatch.setattr(public_cache, "_bumps_missed", set())
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    url = directory(coop)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert not hit(response)
    member_a.name = "南通甲家纺改名有限公司"
    member_a.save()
    assert "南通甲家纺改名有限公司" in client.get(url).content.decode()
    # A bump that fails is remembered, to be made before the cache serves again.
    assert not public_cache._bump({public_cache.SITE})
    assert public_cache.SITE in public_cache._bumps_missed


def test_a_new_process_of_the_same_release_keeps_the_cached_pages(client, coop):
    client.get("/")
    assert hit(client.get("/"))
    Client().get(directory(coop))  # a handler of its own: a new process
    public_cache.PublicPageCacheMiddleware(lambda request: HttpResponse())
    assert hit(client.get("/"))


def test_another_release_never_serves_the_pages_of_this_one(client, coop, monkeypatch):
    client.get("/")
    assert hit(client.get("/"))
    monkeypatch.setattr(public_cache, "_release", "another-release")
    assert not hit(client.get("/"))
