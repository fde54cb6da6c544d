"""Error reports to Sentry or GlitchTip (settings.SENTRY_DSN), with personal data scrubbed."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber
from sentry_sdk.types import Event, Hint

# What a consumer, a member or a user tells the portal about themselves, by the names the
# forms and models give it: scrubbed from request bodies, local variables and extra data.
PERSONAL_FIELDS = [
    "contact_name",
    "contact_phone",
    "contact_email",
    "description",
    "desired_outcome",
    "text",
    "email",
    "phone",
    "name",
    "first_name",
    "last_name",
    "username",
    "code",
    "tracking_code",
    "submission_key",
    "token",
]


_SCRUBBER = EventScrubber(
    denylist=DEFAULT_DENYLIST + PERSONAL_FIELDS, pii_denylist=DEFAULT_PII_DENYLIST, recursive=True
)


def scrub(event: Event, hint: Hint) -> Event:
    """Personal fields filtered wherever they appear in the event (extra data, breadcrumbs,
    query strings, headers)."""
    _SCRUBBER.scrub_event(event)
    return event


def init_sentry(dsn: str, *, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No user, no request body, no local variables of the failing code (they hold forms and
        # complaints); what else goes passes the scrubber.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
        before_send=scrub,
        traces_sample_rate=0.0,
    )
