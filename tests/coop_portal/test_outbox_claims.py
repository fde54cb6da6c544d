"""Issue 20, point 6: an e-mail is claimed and the claim committed, then sent outside any
transaction, then recorded. A database that fails after the mail server took the e-mail never
has it sent again, and an attempt once counted stays counted."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.utils import timezone

from coop_portal.mail import queue_mail
from coop_portal.models import (
    OUTBOX_MAX_ATTEMPTS,
    OutboxEmail,
    outbox_retry_delay,
)
from coop_portal.tasks import flush_outbox, send_outbox_email


def waiting() -> OutboxEmail:
    """An e-mail in the outbox whose immediate dispatch did not happen (the broker was down)."""
    with mock.patch("coop_portal.mail.enqueue"):
        email = queue_mail(["buyer@example.com"], "email/test", {"name": "甲公司"}, language="en")
    assert email is not None
    return email


def _failing_once(method: str):
    """QuerySet.<method> that raises a dropped connection the first time it is called."""
    original = getattr(QuerySet, method)
    calls = {"count": 0}

    def flaky(self, *args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, *args, **kwargs)

    return flaky


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_called_outside_any_transaction_after_the_claim_is_committed():
    email = waiting()
    seen = {}

    def smtp(*args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        seen["attempts_stored"] = OutboxEmail.objects.get(pk=email.pk).attempts
        seen["held"] = OutboxEmail.objects.get(pk=email.pk).claimed_until is not None
        return 1

    with mock.patch("coop_portal.tasks.send_mail", side_effect=smtp):
        assert send_outbox_email(email.pk) is True
    assert seen == {"in_transaction": False, "attempts_stored": 1, "held": True}
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.claimed_until is None


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_after_sending_does_not_send_the_email_twice():
    """The attack: a slow mail server, then the database connection drops before the e-mail is
    recorded as sent. Before the fix the sweep sent it again."""
    email = waiting()
    updates = _failing_once("update")
    sends = []

    def smtp(subject, body, sender, to):
        sends.append(to)
        # From here on the next UPDATE (the record) meets a dropped connection once.
        patcher.start()
        return 1

    patcher = mock.patch.object(QuerySet, "update", updates)
    with (
        mock.patch("coop_portal.tasks.send_mail", side_effect=smtp),
        mock.patch("coop_portal.tasks.RECORD_PAUSE_SECONDS", 0),
    ):
        try:
            assert send_outbox_email(email.pk) is True
        finally:
            patcher.stop()
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1
    with mock.patch("coop_portal.tasks.send_mail") as again:
        assert flush_outbox(older_than_seconds=0) == 0
        assert send_outbox_email(email.pk) is False
    again.assert_not_called()
    assert len(sends) == 1


@pytest.mark.django_db(transaction=True)
def test_an_email_sent_but_never_recorded_is_held_by_its_claim_and_keeps_its_attempt():
    email = waiting()
    with (
        mock.patch("coop_portal.tasks.send_mail", return_value=1) as smtp,
        mock.patch("coop_portal.tasks._record", side_effect=OperationalError("gone")),
    ):
        assert send_outbox_email(email.pk) is True
    assert smtp.call_count == 1
    email.refresh_from_db()
    # The attempt and the claim were committed before sending: nothing rolled them back.
    assert email.attempts == 1
    assert email.claimed_until is not None
    assert email.claimed_until > timezone.now()
    with mock.patch("coop_portal.tasks.send_mail") as again:
        assert flush_outbox(older_than_seconds=0) == 0
        assert send_outbox_email(email.pk) is False
    again.assert_not_called()


@pytest.mark.django_db
def test_a_second_sender_finds_the_email_claimed_and_sends_nothing():
    email = waiting()
    inner = []

    def smtp(*args, **kwargs):
        # A re-delivered task (or the sweep) runs while the first sender talks to the server.
        inner.append(send_outbox_email(email.pk))
        return 1

    with mock.patch("coop_portal.tasks.send_mail", side_effect=smtp) as server:
        assert send_outbox_email(email.pk) is True
    assert inner == [False]
    assert server.call_count == 1


@pytest.mark.django_db
def test_a_sender_that_died_holding_the_email_lets_go_when_its_claim_expires():
    email = waiting()
    OutboxEmail.objects.filter(pk=email.pk).update(
        attempts=1, claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert flush_outbox(older_than_seconds=0) == 1
    email.refresh_from_db()
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_failed_tries_wait_longer_and_longer_up_to_six_hours():
    delays = [outbox_retry_delay(attempts) for attempts in range(1, OUTBOX_MAX_ATTEMPTS + 1)]
    assert delays[0] == datetime.timedelta(minutes=1)
    assert delays[1] == datetime.timedelta(minutes=2)
    assert delays == sorted(delays)
    assert max(delays) == datetime.timedelta(hours=6)
    assert sum(delays, datetime.timedelta()) > datetime.timedelta(hours=24)


@pytest.mark.django_db
def test_an_email_is_given_up_after_the_last_attempt_and_left_in_the_outbox(caplog):
    email = waiting()
    OutboxEmail.objects.filter(pk=email.pk).update(attempts=OUTBOX_MAX_ATTEMPTS - 1)
    with mock.patch("coop_portal.tasks.send_mail", side_effect=OSError("mailbox unavailable")):
        assert send_outbox_email(email.pk) is False
    assert "given up" in caplog.text
    email.refresh_from_db()
    assert email.attempts == OUTBOX_MAX_ATTEMPTS
    assert list(OutboxEmail.objects.given_up()) == [email]
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert flush_outbox(older_than_seconds=0) == 0
    assert mail.outbox == []
