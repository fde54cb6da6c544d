"""The migrations describe the models as they are: no app, ours or a library's, has a change
that no migration holds (relabelling a library's fields for the reader is not a change)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_has_a_change_without_a_migration():
    out = io.StringIO()
    call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()
