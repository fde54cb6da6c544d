"""Every page of the app for the personas who may not use it: 404 (or the log-in page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inspections.models import LabUpload
from inspections.services import request_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_urls(coop, lab, member_a, lab_user, catalogue):
    upload = LabUpload.objects.create(cooperative=coop, lab=lab, file_name="x.csv")
    service = request_service(member_a, lab=lab, product="枕芯", question="?", by=lab_user)
    return [
        reverse("inspections:lab_home", args=[coop.slug]),
        reverse("inspections:lab_upload", args=[coop.slug, upload.pk]),
        reverse("inspections:lab_confirm", args=[coop.slug, upload.pk]),
        reverse("inspections:lab_services", args=[coop.slug]),
        reverse("inspections:lab_service", args=[coop.slug, service.pk]),
    ]


def test_lab_pages_are_for_the_labs_users_only(personas, lab_urls):
    for url in lab_urls:
        assert personas.anonymous.get(url).status_code == 302
        for client in (
            personas.administrator,
            personas.regulator,
            personas.member_a,
            personas.other_administrator,
        ):
            assert client.get(url).status_code in (404, 405), url
            assert client.post(url, {}).status_code == 404, url


def test_member_service_pages_are_for_member_users_only(personas, member_a, lab, lab_user):
    service = request_service(member_a, lab=lab, product="枕芯", question="?", by=lab_user)
    urls = [
        reverse("inspections:member_services"),
        reverse("inspections:member_service", args=[service.pk]),
    ]
    for url in urls:
        assert personas.anonymous.get(url).status_code == 302
        for client in (personas.administrator, personas.regulator, personas.lab):
            assert client.get(url).status_code == 404, url
    assert personas.member_a.get(urls[0]).status_code == 200
    assert personas.member_b.get(urls[0]).status_code == 200
    assert personas.member_b.get(urls[1]).status_code == 404


def test_the_public_pages_are_open_to_everybody(personas, coop, member_a):
    urls = [
        reverse("inspections:statistics", args=[coop.slug]),
        reverse("inspections:public_member", args=[coop.slug, member_a.credit_code]),
    ]
    for url in urls:
        for client in (personas.anonymous, personas.member_b, personas.other_administrator):
            assert client.get(url).status_code == 200
