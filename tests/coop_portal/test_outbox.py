from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from coop_portal.mail import queue_mail
from coop_portal.models import OutboxEmail
from coop_portal.tasks import flush_outbox, send_outbox_email

pytestmark = pytest.mark.django_db


def queue(key: str | None = None) -> OutboxEmail | None:
    return queue_mail(
        ["firm@example.cn"], "email/test", {"name": "甲公司"}, language="zh-hans", key=key
    )


def test_an_email_is_sent_once_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    assert email is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["firm@example.cn"]
    email.refresh_from_db()
    assert email.sent_at is not None
    # Sending again (a re-delivered task) does nothing.
    assert send_outbox_email(email.pk) is False
    assert len(mail.outbox) == 1


def test_the_same_key_is_queued_only_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert queue(key="reminder:42:2025-03-08") is not None
        assert queue(key="reminder:42:2025-03-08") is None
    assert OutboxEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_nothing_is_queued_without_recipients():
    assert queue_mail(["", ""], "email/test", {}, language="zh-hans") is None
    assert not OutboxEmail.objects.exists()


def test_with_the_broker_down_the_email_waits_in_the_outbox_and_the_sweep_sends_it_once(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(
            send_outbox_email, "apply_async", side_effect=OperationalError("redis down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email = queue()
    assert email is not None
    assert mail.outbox == []
    assert OutboxEmail.objects.pending().count() == 1
    assert flush_outbox(older_than_seconds=0) == 1
    assert flush_outbox(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1


def test_a_failed_smtp_send_is_recorded_and_retried_later(django_capture_on_commit_callbacks):
    with (
        mock.patch("coop_portal.tasks.send_mail", side_effect=OSError("smtp refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email = queue()
    email.refresh_from_db()
    assert email.sent_at is None
    assert email.attempts == 1
    assert "smtp refused" in email.last_error
    assert email.claimed_until is None
    # Not before its backoff is over…
    assert flush_outbox(older_than_seconds=0) == 0
    assert email.next_attempt_at > timezone.now()
    # …then sent by the sweep.
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert flush_outbox(older_than_seconds=0) == 1
    assert len(mail.outbox) == 1


def test_email_is_rendered_in_the_recipients_language(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(["a@example.cn"], "email/test", {"name": "Firm A"}, language="en")
    assert mail.outbox[0].subject == "Test message for Firm A"
