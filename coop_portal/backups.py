"""Backups of the database and the uploaded files together, as one gzipped tar archive.

The archive holds ``manifest.json`` (when, which database, the number of rows of every table),
the database (``database.pgdump``, PostgreSQL's custom format, or ``database.sqlite3``) and
``media/``, the uploaded files. ``manage.py backup`` writes one and ``manage.py restore`` puts
it back, replacing what is there; both read and write standard streams with ``-``, so that a
backup can leave a container without a volume (docs/operations.md).

The uploaded files are read and written through ``default_storage``, whichever backend the
settings choose (a folder under ``MEDIA_ROOT`` or an S3-compatible bucket): the archive is the
same for both, so a backup of one may be restored into the other.
"""

from __future__ import annotations

import json
import os
import posixpath
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


@contextmanager
def archive_stream(name: str, mode: Literal["rb", "wb"]) -> Iterator[IO[bytes]]:
    """The archive named on the command line, or standard input or output for ``-``."""
    if name == "-":
        yield sys.stdin.buffer if mode == "rb" else sys.stdout.buffer
    else:
        with Path(name).open(mode) as stream:
            yield stream


class BackupError(Exception):
    """A backup that cannot be written or restored, told in the user's language."""


def row_counts() -> dict[str, int]:
    """The number of rows of every model's table, by model label."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _postgres_environment() -> dict[str, str]:
    database = settings.DATABASES["default"]
    given = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
    }
    return {**os.environ, **{key: value for key, value in given.items() if value}}


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - a fixed command of PostgreSQL's tools
            command, env=_postgres_environment(), capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            _("%(program)s is not installed (Debian package postgresql-client).")
            % {"program": command[0]}
        ) from None
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": command[0], "error": result.stderr.strip()}
        )


def _dump_database(directory: Path) -> Path:
    target = directory / DATABASE_FILES[connection.vendor]
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])
    else:
        # SQLite copies itself through the open connection, whatever its name says.
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
    return target


def write_backup(stream: IO[bytes]) -> dict[str, Any]:
    """Write the archive to ``stream``; returns its manifest."""
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(_("Backups need PostgreSQL or SQLite."))
    manifest = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "database": connection.vendor,
        "rows": row_counts(),
    }
    with tempfile.TemporaryDirectory() as scratch:
        dump = _dump_database(Path(scratch))
        with tarfile.open(fileobj=stream, mode="w|gz") as archive:
            content = json.dumps(manifest, indent=2, sort_keys=True).encode()
            (Path(scratch) / "manifest.json").write_bytes(content)
            archive.add(Path(scratch) / "manifest.json", arcname="manifest.json")
            archive.add(dump, arcname=dump.name)
            _archive_media(archive, default_storage)
    return manifest


def stored_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """The name of every file in the storage, walked folder by folder with ``listdir``, which
    the local folder and the bucket both answer (a folder that does not exist holds none)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for name in sorted(folders):
        yield from stored_files(storage, posixpath.join(folder, name))


def _archive_media(archive: tarfile.TarFile, storage: Storage) -> None:
    """Stream every stored file into ``media/`` of the archive, one at a time, so that a
    bucket larger than the disk can still be backed up."""
    for name in stored_files(storage):
        info = tarfile.TarInfo(f"media/{name}")
        info.size = storage.size(name)
        info.mtime = int(storage.get_modified_time(name).timestamp())
        with storage.open(name, "rb") as content:
            archive.addfile(info, content)


def restore_backup(stream: IO[bytes]) -> dict[str, Any]:
    """Replace the database and the uploaded files with those of the archive in ``stream``;
    returns its manifest. Nothing is replaced unless the archive is whole and fits this
    database."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        try:
            with tarfile.open(fileobj=stream, mode="r|gz") as archive:
                archive.extractall(root, members=_plain_members(archive))  # noqa: S202 - checked
            manifest = json.loads((root / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError, EOFError, KeyError) as error:
            raise BackupError(
                _("This is not a backup of the portal, or it is damaged (%(error)s).")
                % {"error": error}
            ) from None
        if manifest.get("format") != FORMAT or manifest.get("database") != connection.vendor:
            raise BackupError(
                _("This backup is of a %(kind)s database; the portal runs on %(vendor)s.")
                % {"kind": manifest.get("database"), "vendor": connection.vendor}
            )
        dump = root / DATABASE_FILES[connection.vendor]
        if not dump.is_file():
            raise BackupError(_("The backup holds no database."))
        _restore_database(dump)
        _restore_media(root / "media")
    return manifest


def _plain_members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The archive's files and folders, refusing anything that could land outside the folder
    it is unpacked in: absolute paths, "..", links and devices. (tarfile's own "data" filter
    does the same from Python 3.11.4; Debian's 3.11 is older.)"""
    for member in archive:
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(
                _("The backup holds %(name)s, which no backup of the portal holds.")
                % {"name": member.name}
            )
        yield member


def _restore_database(dump: Path) -> None:
    connections.close_all()
    if connection.vendor == "postgresql":
        # Everything of the current database goes, so that nothing of it mixes with the backup.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        connections.close_all()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                settings.DATABASES["default"]["NAME"],
                str(dump),
            ]
        )
        connections.close_all()
    else:
        # In place through the open connection (in-memory test databases included).
        connection.ensure_connection()
        with sqlite3.connect(dump) as source:
            source.backup(connection.connection)


def _restore_media(restored: Path) -> None:
    """Replace every stored file with those of the archive's ``media/``, through the storage:
    files that the backup does not hold go, so that nothing of the current files mixes with
    it. (A local folder may be a mounted volume: its contents are replaced, not the folder.)"""
    storage = default_storage
    for name in list(stored_files(storage)):
        storage.delete(name)
    if not restored.is_dir():
        return
    for path in sorted(restored.rglob("*")):
        if path.is_file():
            with path.open("rb") as content:
                storage.save(path.relative_to(restored).as_posix(), File(content))
