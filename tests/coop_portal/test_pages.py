import json

import pytest
from django.urls import reverse


def test_home_page_lists_the_cooperatives(client, coop, other_coop):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert coop.name_zh in response.content.decode()
    assert other_coop.name_zh in response.content.decode()


def test_home_page_is_chinese_by_default_and_english_on_request(client, coop):
    assert 'lang="zh-hans"' in client.get("/").content.decode()
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en"' in english
    assert coop.name_en in english


def test_language_switcher_choice_sticks(client, coop):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, db):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_livez_answers_while_the_process_is_up(client):
    response = client.get("/livez")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": True, "broker": True}


@pytest.mark.django_db
def test_readyz_stays_ready_without_the_broker_since_complaints_are_still_taken(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "degraded", "database": True, "broker": False}


def test_readyz_is_503_without_the_database(client, monkeypatch):
    from coop_portal import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
@pytest.mark.django_db
def test_probes_answer_plain_http_whatever_the_host_in_production(client, settings, path):
    # Container probes come over HTTP from 127.0.0.1 or a container name: no 400, no 301.
    settings.ALLOWED_HOSTS = ["coop.example.cn"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(path, HTTP_HOST="10.89.0.7:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.89.0.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="coop.example.cn").status_code == 301


def test_unknown_page_is_a_friendly_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert (
        "找不到页面" in response.content.decode() or "Page not found" in response.content.decode()
    )


def test_cooperative_page_shows_initiators_and_member_counts(client, coop, member_a, member_b):
    response = client.get(reverse("members:cooperative", args=[coop.slug]))
    assert response.status_code == 200
    assert response.context["counts"]["total"] == 2


def test_unknown_cooperative_is_404(client, db):
    assert client.get(reverse("members:cooperative", args=["nowhere"])).status_code == 404


def test_the_admin_log_in_goes_through_the_portals_log_in_with_its_two_factor_step(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_the_log_in_page_is_the_two_step_one(client, db):
    from django.urls import resolve

    from coop_portal.accounts import LoginView

    assert resolve("/accounts/login/").func.view_class is LoginView


def test_a_cooperative_page_shows_the_cooperatives_navigation(client, coop):
    html = client.get(reverse("members:cooperative", args=[coop.slug])).content.decode()
    assert 'class="coop-nav"' in html
    assert reverse("charter:current", args=[coop.slug]) in html
    assert 'class="coop-nav"' not in client.get("/").content.decode()
