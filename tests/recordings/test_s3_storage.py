"""Recordings on S3-compatible object storage, against a real S3 API (moto's server) on loopback."""

import hashlib
import time
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from moto.server import ThreadedMotoServer

from recordings.models import Recording
from tests.factories import upload_fields

pytestmark = pytest.mark.django_db

BUCKET = "ecg-recordings"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    storages = dict(settings.STORAGES)
    storages["recordings"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": s3_endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "file_overwrite": False,
            "default_acl": "private",
            "max_memory_size": 1024 * 1024,
        },
    }
    settings.STORAGES = storages
    settings.DATA_DIR = tmp_path / "data"
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def objects(client) -> dict[str, bytes]:
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def download(api, token, data_id="D-1", **extra) -> tuple[int, bytes]:
    r = api.get_json("/api/get_data", {"session_id": token, "data_id": data_id}, **extra)
    return r.status_code, (b"".join(r.streaming_content) if r.streaming else r.content)


def test_upload_and_download_through_s3(api, owner_token, patient, s3):
    content = bytes(range(256)) * 8000  # 2 MB
    r = api.post("/api/post_data", upload_fields(owner_token, content=content))
    assert r.content == b'"SUCCESS"'
    stored = objects(s3)
    recording = Recording.objects.get()
    assert stored == {recording.file.name: content}
    assert recording.sha256 == hashlib.sha256(content).hexdigest()
    assert download(api, owner_token) == (200, content)
    r = api.get_json(
        "/api/get_data", {"session_id": owner_token, "data_id": "D-1"}, HTTP_RANGE="bytes=100-199"
    )
    assert r.status_code == 206
    assert b"".join(r.streaming_content) == content[100:200]


def test_overwrite_replaces_the_object_after_commit(
    api, owner_token, patient, s3, django_capture_on_commit_callbacks
):
    api.post("/api/post_data", upload_fields(owner_token, content=b"old"))
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/post_data", upload_fields(owner_token, content=b"new", overwrite="true"))
    assert r.content == b'"SUCCESS (file Overwritten)"'
    assert list(objects(s3).values()) == [b"new"]
    assert download(api, owner_token) == (200, b"new")


def test_refused_upload_leaves_no_object(api, owner_token, patient, s3):
    r = api.post("/api/post_data", upload_fields(owner_token, content=b"x", sha256="0" * 64))
    assert r.status_code == 400
    assert objects(s3) == {}
    assert not Recording.objects.exists()


def test_an_existing_object_is_never_overwritten_silently(s3):
    from django.core.files.base import ContentFile

    from recordings.storage import recording_storage

    storage = recording_storage()
    first = storage.save("recordings/same-name.ecg", ContentFile(b"first"))
    second = storage.save("recordings/same-name.ecg", ContentFile(b"second"))
    assert first != second
    assert objects(s3) == {first: b"first", second: b"second"}


def test_erasing_a_patient_deletes_the_objects(
    api, owner_token, patient, s3, django_capture_on_commit_callbacks
):
    api.post("/api/post_data", upload_fields(owner_token, content=b"bytes"))
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post_json(
            "/api/delete_patient", {"session_id": owner_token, "patient_number": "P-1"}
        )
    assert r.content == b'"SUCCESS"'
    assert objects(s3) == {}


def test_a_missing_object_answers_file_does_not_exist(api, owner_token, patient, s3):
    api.post("/api/post_data", upload_fields(owner_token, content=b"bytes"))
    s3.delete_object(Bucket=BUCKET, Key=Recording.objects.get().file.name)
    assert download(api, owner_token) == (400, b'"FILE DOES NOT EXIST"')


def test_presigned_downloads_redirect_to_a_short_lived_url(api, owner_token, patient, s3, settings):
    import urllib.request

    settings.S3_PRESIGNED_DOWNLOADS = True
    api.post("/api/post_data", upload_fields(owner_token, content=b"presigned bytes"))
    r = api.get_json("/api/get_data", {"session_id": owner_token, "data_id": "D-1"})
    assert r.status_code == 302
    location = r["Location"]
    query = parse_qs(urlparse(location).query)
    assert "Signature" in query or "X-Amz-Signature" in query
    if "Expires" in query:  # signature version 2: an absolute expiry time
        assert 0 < int(query["Expires"][0]) - time.time() <= 61
    else:
        assert query["X-Amz-Expires"] == ["60"]
    with urllib.request.urlopen(location, timeout=10) as response:  # noqa: S310 (loopback moto)
        assert response.read() == b"presigned bytes"
        assert response.headers["Content-Disposition"] == 'attachment; filename="rec.csv"'


def test_presigned_downloads_still_check_permission(
    api, other_token, owner_token, patient, s3, settings
):
    settings.S3_PRESIGNED_DOWNLOADS = True
    api.post("/api/post_data", upload_fields(owner_token, content=b"secret"))
    r = api.get_json("/api/get_data", {"session_id": other_token, "data_id": "D-1"})
    assert (r.status_code, r.content) == (401, b'"UNAUTHORIZED"')
