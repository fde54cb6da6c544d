"""hypothesis-driven submissions of the public forms and query strings.

Whatever a visitor sends — any Unicode, control characters, huge or empty values, wrong
types — the answer is never a server error; a refused submission shows its errors and
stores nothing; an accepted one stores exactly one record.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.models import Application
from charter.setup import setup_charter
from complaints.models import Complaint
from complaints.views import ACCESS_KEY
from tests.factories import credit_code_for
from tests.pledges.public.factories import PeriodFactory, ResultFactory, RunFactory, publish

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERRORS_SHOWN = b'class="error-summary"'

# Text as people and programs send it: any Unicode, control characters and the odd huge value.
text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(["", " ", "\x00", "=1+1", "<script>alert(1)</script>", "' OR 1=1 --"]),
    st.just("长" * 6000),
)
flag = st.one_of(st.sampled_from(["on", ""]), text)


@pytest.fixture
def world(coop, member_a, member_b):
    """Cooperative A with its charter in force and a published 2025 assessment."""
    charter = setup_charter(coop)
    run = RunFactory(period=PeriodFactory(cooperative=coop, code="2025"), charter_version=charter)
    ResultFactory(run=run, member=member_a)
    publish(run)
    return coop


def _member_value(member_a):
    return st.one_of(st.just(str(member_a.pk)), text, st.integers().map(str))


@FUZZ
@given(data=st.data())
def test_the_complaint_form_never_fails_and_stores_only_a_valid_complaint(
    client, world, member_a, data
):
    cache.clear()  # the form's rate limit counts in the cache
    fields = {
        "member": data.draw(_member_value(member_a)),
        "product": data.draw(text),
        "description": data.draw(text),
        "desired_outcome": data.draw(text),
        "contact_name": data.draw(text),
        "contact_phone": data.draw(text),
        "contact_email": data.draw(st.one_of(text, st.emails().map(str))),
        "share_contact": data.draw(flag),
        "publish_consent": data.draw(flag),
        "submission_key": data.draw(text),
        "website": data.draw(st.one_of(st.just(""), text)),
    }
    before = Complaint.objects.count()
    response = client.post(reverse("complaints:file", args=[world.slug]), fields)
    assert response.status_code < 500
    stored = Complaint.objects.count() - before
    assert stored in (0, 1)
    if stored:
        assert "complaints/filed.html" in [template.name for template in response.templates]
        complaint = Complaint.objects.order_by("-pk").first()
        assert complaint.member_id == member_a.pk
        # The answer shows the reference and a code that opens the complaint.
        assert complaint.check_tracking_code(response.context["code"])
        assert complaint.reference in response.content.decode()
    elif response.status_code == 200:
        assert ERRORS_SHOWN in response.content
    else:
        # The honeypot: a bot is sent where a person would land, and nothing is stored.
        assert response.status_code == 302
        assert fields["website"]


@FUZZ
@given(reference=text, code=text)
def test_the_tracking_lookup_never_fails_and_never_grants_a_wrong_code(
    client, world, reference, code
):
    cache.clear()
    response = client.post(
        reverse("complaints:track", args=[world.slug]), {"reference": reference, "code": code}
    )
    assert response.status_code in (200, 404)
    assert ERRORS_SHOWN in response.content
    assert not client.session.get(ACCESS_KEY)


@FUZZ
@given(data=st.data())
def test_the_membership_application_never_fails_and_stores_only_a_valid_one(client, world, data):
    cache.clear()
    fields = {
        "credit_code": data.draw(st.one_of(text, st.just(credit_code_for(424_242)))),
        "name": data.draw(text),
        "name_en": data.draw(text),
        "kind": data.draw(st.one_of(st.sampled_from(["firm", "sole_proprietor"]), text)),
        "scale": data.draw(st.one_of(st.sampled_from(["above_scale", "sme", ""]), text)),
        "address": data.draw(text),
        "contact_person": data.draw(text),
        "phone": data.draw(text),
        "email": data.draw(st.one_of(text, st.emails().map(str))),
        "signatory_name": data.draw(text),
        "accept_charter": data.draw(flag),
    }
    before = Application.objects.count()
    response = client.post(reverse("charter:apply", args=[world.slug]), fields)
    assert response.status_code < 500
    stored = Application.objects.count() - before
    if response.status_code == 302:
        assert response["Location"] == reverse("charter:applied", args=[world.slug])
        assert stored == 1
    else:
        assert response.status_code == 200
        assert stored == 0
        assert ERRORS_SHOWN in response.content


SEARCH_PAGES = [
    ("members:directory", ["q", "kind", "scale", "status", "page"]),
    ("complaints:file", ["q", "member"]),
    ("complaints:statistics", ["year", "member", "page"]),
    ("inspections:statistics", ["year", "category", "page"]),
    ("charter:diff", ["older", "newer"]),
    ("pledges:cooperative_pledges", ["q", "page"]),
]


@FUZZ
@given(
    page=st.sampled_from(SEARCH_PAGES),
    data=st.data(),
)
def test_search_and_filter_query_strings_never_fail(client, world, page, data):
    name, parameters = page
    query = data.draw(
        st.dictionaries(st.one_of(st.sampled_from(parameters), text), text, max_size=4)
    )
    response = client.get(reverse(name, args=[world.slug]), query)
    assert response.status_code < 500, (name, query)


@FUZZ
@given(data=st.data())
def test_the_published_results_filter_never_fails(client, world, data):
    query = data.draw(
        st.dictionaries(st.sampled_from(["q", "grade", "status", "page"]), text, max_size=4)
    )
    response = client.get(
        reverse("pledges:public_period", kwargs={"cooperative": world.slug, "code": "2025"}),
        query,
    )
    assert response.status_code < 500, query
