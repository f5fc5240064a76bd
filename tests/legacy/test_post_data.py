import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recordings.models import Recording
from recordings.storage import recording_storage
from tests.conftest import PTB_CSV
from tests.factories import make_device, make_patient, make_session_token, upload_fields

pytestmark = pytest.mark.django_db


def post(api, token, **fields):
    return api.post("/api/post_data", upload_fields(token, **fields))


def stored_bytes(recording: Recording) -> bytes:
    with recording_storage().open(recording.file.name, "rb") as f:
        return f.read()


# --- success ----------------------------------------------------------------------------------


def test_stores_a_real_ecg_csv_with_size_and_sha256(api, owner, owner_token, patient, media_files):
    content = PTB_CSV.read_bytes()
    r = post(api, owner_token, content=content, name="s0273lre.csv")
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    recording = Recording.objects.get()
    assert stored_bytes(recording) == content
    assert recording.size == len(content)
    assert recording.sha256 == hashlib.sha256(content).hexdigest()
    assert (recording.original_name, recording.content_type) == ("s0273lre.csv", "text/csv")
    assert (recording.device_serial_number, recording.patient, recording.uploaded_by) == (
        "ECG-1",
        patient,
        owner,
    )
    assert recording.start_time == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert recording.end_time == datetime(2026, 12, 1, 10, 0, 10, tzinfo=UTC)
    assert media_files() == [recording.file.name]


def test_the_server_chooses_the_stored_name(api, owner_token, patient):
    post(api, owner_token, name="../../etc/passwd")
    recording = Recording.objects.get()
    assert recording.file.name.startswith("recordings/")
    assert "passwd" not in recording.file.name
    assert ".." not in recording.file.name
    assert recording.original_name == "passwd"  # Django keeps only the base name


def test_times_of_day_are_placed_on_the_upload_day(api, owner_token, patient):
    post(api, owner_token, Start_Time="10:00:00", End_Time="10:00:10.5")
    recording = Recording.objects.get()
    today = datetime.now(tz=UTC).date()
    assert recording.start_time == datetime.combine(
        today, datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=10)
    assert recording.end_time - recording.start_time == timedelta(seconds=10.5)


def test_an_end_time_of_day_before_the_start_rolls_over_to_the_next_day(api, owner_token, patient):
    post(api, owner_token, Start_Time="23:59:50", End_Time="00:00:05")
    recording = Recording.objects.get()
    assert recording.end_time - recording.start_time == timedelta(seconds=15)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("1764583200", "1764583210"),
        ("1764583200.25", "1764583210.75"),
        ("2025-12-01T10:00:00+00:00", "2025-12-01T11:00:10+01:00"),
    ],
)
def test_epoch_and_iso_times(api, owner_token, patient, start, end):
    r = post(api, owner_token, Start_Time=start, End_Time=end)
    assert r.content == b'"SUCCESS"'
    recording = Recording.objects.get()
    assert recording.start_time.date() == datetime(2025, 12, 1, tzinfo=UTC).date()
    assert timedelta(seconds=9) < recording.end_time - recording.start_time < timedelta(seconds=11)


def test_a_naive_iso_time_is_utc(api, owner_token, patient):
    post(api, owner_token, Start_Time="2026-01-02 03:04:05", End_Time="2026-01-02 03:05:05")
    assert Recording.objects.get().start_time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_session_in_a_header(api, owner_token, patient):
    r = api.post("/api/post_data", upload_fields(None), HTTP_AUTHORIZATION=f"Bearer {owner_token}")
    assert r.content == b'"SUCCESS"'


def test_a_superuser_may_post_for_any_device_and_patient(api, superuser_token, patient):
    assert post(api, superuser_token).content == b'"SUCCESS"'


def test_a_matching_sha256_field_is_accepted(api, owner_token, patient):
    content = b"0.1,0.2\n" * 1000
    r = post(api, owner_token, content=content, sha256=hashlib.sha256(content).hexdigest().upper())
    assert r.content == b'"SUCCESS"'


def test_matching_digest_and_content_md5_headers_are_accepted(api, owner_token, patient):
    content = b"abc" * 999
    r = api.post(
        "/api/post_data",
        upload_fields(owner_token, content=content),
        HTTP_DIGEST="sha-256=" + base64.b64encode(hashlib.sha256(content).digest()).decode(),
        HTTP_CONTENT_MD5=base64.b64encode(hashlib.md5(content).digest()).decode(),  # noqa: S324
    )
    assert r.content == b'"SUCCESS"'


# --- overwrite --------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["true", "1", "True"])
def test_overwrite_by_the_uploader_replaces_the_file(
    api, owner_token, patient, media_files, flag, django_capture_on_commit_callbacks
):
    post(api, owner_token, content=b"old")
    old_name = Recording.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        r = post(api, owner_token, content=b"new bytes", overwrite=flag)
    assert r.status_code == 200
    assert r.content == b'"SUCCESS (file Overwritten)"'
    recording = Recording.objects.get()
    assert stored_bytes(recording) == b"new bytes"
    assert (recording.size, recording.sha256) == (9, hashlib.sha256(b"new bytes").hexdigest())
    assert media_files() == [recording.file.name]
    assert old_name not in media_files()


def test_the_old_file_is_deleted_only_after_the_commit(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    post(api, owner_token, content=b"old")
    old_name = Recording.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(api, owner_token, content=b"new", overwrite="true")
    assert recording_storage().exists(old_name)  # still there until the commit
    for callback in callbacks:  # the deletion, and the new version's analysis
        callback()
    assert not recording_storage().exists(old_name)


@pytest.mark.parametrize("flag", [None, "false", "0", "False"])
def test_an_existing_data_id_without_overwrite_is_refused(
    api, owner_token, patient, media_files, flag
):
    post(api, owner_token, content=b"original")
    before = media_files()
    r = post(api, owner_token, content=b"intruder", overwrite=flag)
    assert r.status_code == 400
    assert r.content == b'"FILE ALREADY EXISTS"'
    assert stored_bytes(Recording.objects.get()) == b"original"
    assert media_files() == before


def test_overwrite_of_another_users_recording_is_refused(
    api, owner, owner_token, other_user, other_token, patient, media_files
):
    post(api, owner_token, content=b"original")
    before = media_files()
    # The other user has their own device and patient, and still may not replace the file.
    make_patient("P-2", owner=other_user, devices=[make_device("ECG-2", users=[other_user])])
    r = post(
        api,
        other_token,
        content=b"intruder",
        overwrite="true",
        device_sl_no="ECG-2",
        patient_no="P-2",
    )
    assert r.status_code == 400
    assert r.content == b'"CANNOT OVERWRITE FILE UPLOADED BY ANOTHER USER"'
    recording = Recording.objects.get()
    assert (stored_bytes(recording), recording.uploaded_by) == (b"original", owner)
    assert media_files() == before


def test_a_failed_overwrite_keeps_the_old_recording(
    api, owner_token, patient, media_files, monkeypatch
):
    post(api, owner_token, content=b"original")
    before = media_files()
    original = Recording.objects.get()

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away mid-switch")

    monkeypatch.setattr(Recording, "save", broken_save)
    r = post(api, owner_token, content=b"replacement", overwrite="true")
    monkeypatch.undo()
    assert r.status_code == 500
    recording = Recording.objects.get()
    assert (recording.file.name, recording.sha256) == (original.file.name, original.sha256)
    assert stored_bytes(recording) == b"original"
    assert media_files() == before


# --- refusals leave nothing behind ------------------------------------------------------------


def test_unknown_device(api, owner_token, patient, media_files):
    r = post(api, owner_token, device_sl_no="NOPE")
    assert r.status_code == 400
    assert r.content == b'"DEVICE/PATIENT INFO INVALID"'
    assert not Recording.objects.exists()
    assert media_files() == []


def test_unknown_patient(api, owner_token, patient, media_files):
    r = post(api, owner_token, patient_no="NOPE")
    assert r.content == b'"DEVICE/PATIENT INFO INVALID"'
    assert media_files() == []


def test_a_device_not_linked_to_the_caller(api, other_user, other_token, patient, media_files):
    make_patient("P-2", owner=other_user)
    r = post(api, other_token, patient_no="P-2")  # ECG-1 is the owner's
    assert r.status_code == 400
    assert r.content == b'"DEVICE/PATIENT INFO INVALID"'
    assert media_files() == []


def test_a_patient_that_is_not_the_callers(api, other_user, other_token, patient, media_files):
    make_device("ECG-2", users=[other_user])
    r = post(api, other_token, device_sl_no="ECG-2")  # P-1 is the owner's
    assert r.content == b'"DEVICE/PATIENT INFO INVALID"'
    assert media_files() == []


def test_invalid_session(api, patient, media_files):
    r = post(api, "0" * 40)
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'
    assert not Recording.objects.exists()
    assert media_files() == []


def test_missing_fields(api, db, media_files):
    r = api.post("/api/post_data", {"overwrite": "true"})
    assert r.status_code == 400
    assert json.loads(r.content) == {
        "session_id": ["This field is required."],
        "data_id": ["This field is required."],
        "device_sl_no": ["This field is required."],
        "patient_no": ["This field is required."],
        "File": ["No file was submitted."],
        "Start_Time": ["This field is required."],
        "End_Time": ["This field is required."],
    }
    assert media_files() == []


def test_an_empty_file(api, owner_token, patient, media_files):
    r = post(api, owner_token, content=b"")
    assert r.status_code == 400
    assert r.content == b'{"File":["The submitted file is empty."]}'
    assert media_files() == []


def test_a_text_field_instead_of_a_file(api, owner_token, patient):
    body = upload_fields(owner_token)
    body["File"] = "not a file"
    r = api.post("/api/post_data", body)
    assert r.status_code == 400
    assert (
        r.content
        == b'{"File":["The submitted data was not a file. Check the encoding type on the form."]}'
    )


@pytest.mark.parametrize(
    "bad", ["yesterday", "25:00:00", "2026-13-01T00:00:00", "99999999999999", ""]
)
def test_bad_times(api, owner_token, patient, media_files, bad):
    r = post(api, owner_token, Start_Time=bad)
    assert r.status_code == 400
    body = json.loads(r.content)
    assert list(body) == ["Start_Time"]
    assert media_files() == []


def test_an_end_before_the_start_is_refused(api, owner_token, patient, media_files):
    r = post(api, owner_token, Start_Time="2026-12-01T10:00:00Z", End_Time="2026-12-01T09:59:59Z")
    assert r.status_code == 400
    assert r.content == b'{"End_Time":["End_Time is before Start_Time."]}'
    assert media_files() == []


def test_a_sha256_mismatch_is_refused_and_nothing_is_stored(api, owner_token, patient, media_files):
    r = post(api, owner_token, content=b"payload", sha256="0" * 64)
    assert r.status_code == 400
    assert r.content == b'{"sha256":["The uploaded file does not match this checksum."]}'
    assert not Recording.objects.exists()
    assert media_files() == []


def test_a_digest_header_mismatch_is_refused(api, owner_token, patient, media_files):
    r = api.post(
        "/api/post_data",
        upload_fields(owner_token),
        HTTP_DIGEST="sha-256=" + base64.b64encode(b"\0" * 32).decode(),
    )
    assert r.status_code == 400
    assert r.content == b'{"Digest":["The uploaded file does not match this checksum."]}'
    assert media_files() == []


def test_a_content_md5_mismatch_is_refused(api, owner_token, patient, media_files):
    r = api.post(
        "/api/post_data",
        upload_fields(owner_token),
        HTTP_CONTENT_MD5=base64.b64encode(b"\0" * 16).decode(),
    )
    assert r.status_code == 400
    assert r.content == b'{"Content-MD5":["The uploaded file does not match this checksum."]}'
    assert media_files() == []


def test_a_file_over_the_limit_is_refused_with_413(
    api, owner_token, patient, media_files, settings
):
    settings.RECORDING_MAX_BYTES = 1000
    r = post(api, owner_token, content=b"x" * 1001)
    assert r.status_code == 413
    assert r["Content-Type"] == "application/json"
    assert r.content == b'{"detail":"The file is larger than the limit of 1000 bytes."}'
    assert not Recording.objects.exists()
    assert media_files() == []


def test_a_file_at_the_limit_is_accepted(api, owner_token, patient, settings):
    settings.RECORDING_MAX_BYTES = 1000
    assert post(api, owner_token, content=b"x" * 1000).content == b'"SUCCESS"'


def test_an_oversized_content_length_is_refused_before_the_body_is_read(
    api, owner_token, patient, settings, media_files
):
    settings.RECORDING_MAX_BYTES = 1000

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

    from django.test.client import RequestFactory

    from recordings.legacy import PostDataView

    request = RequestFactory().post(
        "/api/post_data",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        HTTP_AUTHORIZATION=f"Token {owner_token}",
    )
    request.META["CONTENT_LENGTH"] = str(10**9)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    response = PostDataView.as_view()(request)
    response.render()
    assert response.status_code == 413
    assert response.content == b'{"detail":"The file is larger than the limit of 1000 bytes."}'
    assert media_files() == []


def test_json_instead_of_multipart_is_a_json_415(api, owner_token, patient):
    r = api.post_json("/api/post_data", {"session_id": owner_token})
    assert r.status_code == 415


def test_storage_that_cannot_be_written_gives_a_json_503_and_leaves_nothing(
    api, owner_token, patient, media_files, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    def full_disk(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
    r = post(api, owner_token, content=b"payload")
    assert r.status_code == 503
    assert (
        r.content
        == b'{"detail":"Recording storage is unavailable (full or read-only). Nothing was stored."}'
    )
    assert not Recording.objects.exists()
    assert media_files() == []


def test_each_device_user_may_post_for_their_own_patient(api, owner, other_user, patient, device):
    from devices.models import DeviceLink

    DeviceLink.objects.create(user=other_user, device=device)
    make_patient("P-2", owner=other_user)
    token = make_session_token(other_user)
    assert post(api, token, data_id="D-2", patient_no="P-2").content == b'"SUCCESS"'


def test_multipart_upload_with_a_custom_content_type_keeps_it_as_metadata(
    api, owner_token, patient
):
    body = upload_fields(owner_token)
    body["File"] = SimpleUploadedFile("r.dat", b"\x00\x01", content_type="application/x-ecg")
    api.post("/api/post_data", body)
    assert Recording.objects.get().content_type == "application/x-ecg"
