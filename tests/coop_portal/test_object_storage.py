"""Uploads in a private S3-compatible bucket (coop_portal/storage.py), against moto's server
on loopback: evidence goes into the bucket, comes out only through the portal's checked view,
and the bucket never hands it to an anonymous reader."""

from __future__ import annotations

import boto3
import pytest
import requests
from django.core.files.storage import default_storage
from django.urls import reverse
from moto.server import ThreadedMotoServer

from complaints.models import Evidence
from coop_portal.storage import FilesHaveNoUrl, PrivateS3Storage
from tests.complaints.factories import form_data, image_bytes, upload

pytestmark = pytest.mark.django_db

BUCKET = "coop-media"
CREDENTIALS = {"aws_access_key_id": "portal", "aws_secret_access_key": "portal-secret"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "coop_portal.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def stored_evidence(bucket, client, coop, member_a):
    response = client.post(
        reverse("complaints:file", args=[coop.slug]),
        {**form_data(member_a), "evidence": [upload("photo.jpg", image_bytes("JPEG"))]},
    )
    assert response.status_code == 200
    return Evidence.objects.get()


def test_evidence_is_written_to_the_bucket_and_not_to_local_disk(stored_evidence, bucket, settings):
    assert isinstance(default_storage._wrapped, PrivateS3Storage)
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [stored_evidence.file.name]
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_the_administrator_downloads_evidence_from_the_bucket_through_the_portal(
    stored_evidence, personas
):
    response = personas.administrator.get(reverse("complaints:evidence", args=[stored_evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_evidence_in_the_bucket_is_a_404_for_everyone_else(stored_evidence, personas):
    url = reverse("complaints:evidence", args=[stored_evidence.pk])
    for client in (
        personas.anonymous,
        personas.other_administrator,
        personas.member_a,
        personas.member_b,
        personas.regulator,
    ):
        assert client.get(url).status_code == 404


def test_the_object_is_private_and_has_no_url(stored_evidence, bucket, s3_server):
    key = stored_evidence.file.name
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    # Read without credentials, as anyone on the network would: refused.
    assert requests.get(f"{s3_server}/{BUCKET}/{key}", timeout=5).status_code == 403
    with pytest.raises(FilesHaveNoUrl):
        stored_evidence.file.url  # noqa: B018
