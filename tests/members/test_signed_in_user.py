import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from members.scoping import signed_in_user

pytestmark = pytest.mark.django_db


def test_a_view_gets_the_signed_in_user(member_user_a):
    request = RequestFactory().get("/")
    request.user = member_user_a
    assert signed_in_user(request) == member_user_a


def test_an_anonymous_request_is_refused_rather_than_passed_on():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_user(request)
