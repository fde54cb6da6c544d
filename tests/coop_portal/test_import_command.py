"""The import commands share their arguments, their messages and how a lost database
connection is told (members/import_command.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from django.utils import translation

from members.models import Member

pytestmark = pytest.mark.django_db

COMMANDS = {
    "import_members": "members.import_command.run_import",
    "import_pledges": "members.import_command.run_import",
    "import_complaints": "members.import_command.run_import",
    "import_inspections": "inspections.management.commands.import_inspections.import_inspections",
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "error",
    [
        OperationalError("terminating connection due to administrator command\nmore detail"),
        InterfaceError("connection already closed"),
    ],
    ids=["operational", "interface"],
)
def test_a_lost_database_connection_is_a_clear_error_not_a_traceback(
    command, error, coop, tmp_path, monkeypatch
):
    def lost(*args, **kwargs):
        raise error

    monkeypatch.setattr(COMMANDS[command], lost)
    path = tmp_path / "file.csv"
    path.write_text("credit_code\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command(command, "--cooperative", coop.slug, str(path), stdout=StringIO())
    message = str(raised.value)
    assert "lost during the import" in message
    assert "Nothing of the file was stored" in message
    # The database's own reason, first line only.
    assert str(error).splitlines()[0] in message
    assert "more detail" not in message
    with translation.override("zh-hans"), pytest.raises(CommandError) as raised:
        call_command(command, "--cooperative", coop.slug, str(path), stdout=StringIO())
    assert "lost during the import" not in str(raised.value)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_import_command_names_a_missing_cooperative_or_file(command, coop, tmp_path):
    missing = tmp_path / "missing.csv"
    with translation.override("en"):
        with pytest.raises(CommandError, match="short name “nowhere”"):
            call_command(command, "--cooperative", "nowhere", str(missing))
        with pytest.raises(CommandError, match=r"Cannot read .*missing\.csv"):
            call_command(command, "--cooperative", coop.slug, str(missing))
    assert not Member.objects.exists()
