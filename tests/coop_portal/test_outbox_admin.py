"""The outbox in the admin: superusers see what waits and failed, and send it again."""

import pytest
from django.urls import reverse

from conftest import verify_second_factor
from coop_portal.models import OUTBOX_MAX_ATTEMPTS, OutboxEmail

CHANGELIST = "admin:coop_portal_outboxemail_changelist"


def email(key: str, **values) -> OutboxEmail:
    return OutboxEmail.objects.create(
        key=key, to=["firm@example.cn"], subject=f"subject {key}", body="body", **values
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root@example.cn", "x")


@pytest.mark.django_db
def test_a_superuser_sees_what_failed_and_why(client, superuser):
    email("ok")
    email("failing", attempts=3, last_error="SMTP 421 try later")
    email("dead", attempts=OUTBOX_MAX_ATTEMPTS, last_error="SMTP 550 no such user")
    client.force_login(superuser)
    verify_second_factor(client, superuser)
    page = client.get(reverse(CHANGELIST), {"delivery": "given_up"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "subject dead" in text
    assert "SMTP 550 no such user" in text
    assert "subject failing" not in text


@pytest.mark.django_db
def test_sending_again_gives_a_given_up_email_a_fresh_count_and_sends_it(
    client, superuser, mailoutbox, django_capture_on_commit_callbacks
):
    dead = email("dead", attempts=OUTBOX_MAX_ATTEMPTS, last_error="SMTP 550")
    client.force_login(superuser)
    verify_second_factor(client, superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST), {"action": "send_again", "_selected_action": [dead.pk]}
        )
    assert response.status_code == 302
    dead.refresh_from_db()
    # Tasks run in-process in the tests: it went out at once.
    assert dead.sent_at is not None
    assert [m.subject for m in mailoutbox] == ["subject dead"]


@pytest.mark.django_db
def test_an_administrator_who_is_not_a_superuser_cannot_read_the_outbox(client, administrator):
    client.force_login(administrator)
    verify_second_factor(client, administrator)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    change = reverse("admin:coop_portal_outboxemail_change", args=[email("x").pk])
    assert client.get(change).status_code == 403
