"""What every service raises when the portal's rules refuse a change."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Refused(ValidationError):
    """A change a service refuses; nothing was changed. The message says why, in the active
    language, so that a view can show it as it is (or add it to its form)."""
