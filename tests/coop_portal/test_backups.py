"""Backups of the database and the uploaded files together: written, everything dropped,
restored, and every row, file and page of the demo is back (coop_portal/backups.py)."""

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from coop_portal.backups import row_counts

PAGES = [
    "/",
    "/members/nantong-home-textiles/",
    "/charter/nantong-home-textiles/",
    "/complaints/nantong-home-textiles/file/",
    "/pledges/assessments/nantong-home-textiles/",
    "/inspections/nantong-home-textiles/statistics/",
]


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def drop_everything(media: Path) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        else:
            tables = connection.introspection.table_names(cursor)
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f'DROP TABLE "{table}"')
    for path in media.iterdir():
        if path.is_file():
            path.unlink()
        else:
            import shutil

            shutil.rmtree(path)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_after_everything_was_dropped_brings_back_every_row_file_and_page(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", stdout=io.StringIO())
    upload = Path(settings.MEDIA_ROOT, "evidence", "photo.jpg")
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"\xff\xd8 a consumer's photo")
    rows, stored = row_counts(), files(Path(settings.MEDIA_ROOT))
    pages = {path: client.get(path).status_code for path in PAGES}
    assert set(pages.values()) == {200}
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", str(archive), stderr=io.StringIO())
    drop_everything(Path(settings.MEDIA_ROOT))
    assert not files(Path(settings.MEDIA_ROOT))
    call_command("restore", str(archive), "--yes", stderr=io.StringIO())

    assert row_counts() == rows
    assert sum(rows.values()) > 500
    assert files(Path(settings.MEDIA_ROOT)) == stored
    assert {path: client.get(path).status_code for path in PAGES} == pages


@pytest.mark.django_db
def test_restore_asks_before_it_replaces_anything(tmp_path):
    translation.activate("zh-hans")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "backup.tar.gz"))


@pytest.mark.django_db
def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(tmp_path, settings):
    translation.activate("en")
    settings.MEDIA_ROOT = tmp_path / "media"
    Path(settings.MEDIA_ROOT).mkdir()
    Path(settings.MEDIA_ROOT, "kept.txt").write_text("still here")
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(b"not an archive at all")
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), "--yes")
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        manifest = io.BytesIO(b'{"format": 1, "database": "mysql"}')
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest.getvalue())
        archive.addfile(info, manifest)
    with pytest.raises(CommandError, match="mysql"):
        call_command("restore", str(foreign), "--yes")
    escaping = tmp_path / "escaping.tar.gz"
    with tarfile.open(escaping, "w:gz") as archive:
        info = tarfile.TarInfo("../../outside.txt")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"evil"))
    with pytest.raises(CommandError, match=r"outside\.txt"):
        call_command("restore", str(escaping), "--yes")
    assert not (tmp_path.parent / "outside.txt").exists()
    assert Path(settings.MEDIA_ROOT, "kept.txt").read_text() == "still here"
