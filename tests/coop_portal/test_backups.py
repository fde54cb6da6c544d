"""Backups of the database and the uploaded files together: written, everything dropped,
restored, and every row, file and page of the demo is back (coop_portal/backups.py)."""

import hashlib
import io
import tarfile
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from moto import mock_aws

from coop_portal.backups import row_counts, stored_files

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


BUCKET = "coop-backup-media"


@contextmanager
def uploads_in_a_bucket(settings):
    """Uploads in a bucket of moto's in-process S3, as production configures them."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "coop_portal.storage.PrivateS3Storage",
                "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1"},
            },
        }
        yield


@pytest.fixture
def bucket(settings):
    with uploads_in_a_bucket(settings):
        yield


def stored() -> dict[str, bytes]:
    return {name: read(name) for name in stored_files(default_storage)}


def read(name: str) -> bytes:
    with default_storage.open(name) as stored_file:
        return stored_file.read()


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_files_in_a_bucket_holds_them_and_its_restore_puts_them_back(bucket, tmp_path):
    for name, content in (
        ("evidence/2026/photo.jpg", b"\xff\xd8 a consumer's photo"),
        ("member-imports/members.csv", b"credit_code,name\n"),
    ):
        default_storage.save(name, ContentFile(content))
    before = stored()
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", str(archive), stderr=io.StringIO())
    with tarfile.open(archive) as written:
        assert {n for n in written.getnames() if n.startswith("media/")} == {
            f"media/{name}" for name in before
        }
    default_storage.delete("evidence/2026/photo.jpg")
    default_storage.save("evidence/2026/later.jpg", ContentFile(b"after the backup"))
    call_command("restore", str(archive), "--yes", stderr=io.StringIO())

    assert stored() == before


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_local_files_restores_into_a_bucket(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    default_storage.save("pledges/pledge.pdf", ContentFile(b"%PDF-1.7 a pledge"))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stderr=io.StringIO())

    with uploads_in_a_bucket(settings):
        call_command("restore", str(archive), "--yes", stderr=io.StringIO())
        assert stored() == {"pledges/pledge.pdf": b"%PDF-1.7 a pledge"}
