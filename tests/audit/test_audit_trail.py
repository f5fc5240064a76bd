import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Session
from audit.models import AppendOnlyError, AuditEvent
from recordings.models import Recording
from tests.conftest import verified_admin_client
from tests.factories import DEFAULT_PASSWORD, upload_fields

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"


def events(action=None):
    queryset = AuditEvent.objects.order_by("id")
    if action:
        queryset = queryset.filter(action=action)
    return list(queryset)


def last(action):
    found = events(action)
    assert found, f"no {action} event"
    return found[-1]


def test_login_success_and_failure(api, owner):
    api.post_json("/api/login", {"username": "owner", "password": "wrong"}, REMOTE_ADDR=ADDRESS)
    token = json.loads(
        api.post_json(
            "/api/login", {"username": "owner", "password": DEFAULT_PASSWORD}, REMOTE_ADDR=ADDRESS
        ).content
    )
    failure, success = events("login")
    assert (failure.outcome, failure.actor, failure.detail["username"], failure.client_address) == (
        "failure",
        None,
        "owner",
        ADDRESS,
    )
    session = Session.objects.get(user=owner)
    assert (success.outcome, success.actor, success.actor_username, success.object_id) == (
        "success",
        owner,
        "owner",
        "owner",
    )
    assert success.detail["session"] == session.pk
    assert token not in json.dumps(success.detail)


def test_throttled_login_is_recorded_as_denied(api, owner, settings):
    import copy

    limits = copy.deepcopy(settings.ATTEMPT_LIMITS)
    limits["login"]["account"] = 1
    settings.ATTEMPT_LIMITS = limits
    api.post_json("/api/login", {"username": "owner", "password": "wrong"})
    api.post_json("/api/login", {"username": "owner", "password": DEFAULT_PASSWORD})
    assert [e.outcome for e in events("login")] == ["failure", "denied"]


def test_logout(api, owner, owner_token):
    session = Session.objects.get(user=owner)
    api.post_json("/api/logout", {"session_id": owner_token}, REMOTE_ADDR=ADDRESS)
    event = last("logout")
    assert (event.actor, event.detail["session"], event.client_address) == (
        owner,
        session.pk,
        ADDRESS,
    )


def test_password_reset_request_and_completion(api, owner, mailoutbox):
    api.post_json("/api/forgot_password", {"username": "owner", "email": owner.email})
    api.post_json("/api/forgot_password", {"username": "ghost", "email": "g@example.com"})
    otp = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    body = {
        "username": "owner",
        "email": owner.email,
        "new_password": "Brand-New-Pass-9",
        "new_password_confirm": "Brand-New-Pass-9",
    }
    api.post_json("/api/forgot_password", {**body, "OTP": wrong})
    api.post_json("/api/forgot_password", {**body, "OTP": otp})
    requests = events("password_reset.request")
    assert [(e.outcome, e.detail["matched"]) for e in requests] == [
        ("success", True),
        ("failure", False),
    ]
    completions = events("password_reset.complete")
    assert [e.outcome for e in completions] == ["failure", "success"]
    assert completions[-1].actor == owner
    assert otp not in json.dumps([e.detail for e in events()])


def test_user_creation_and_change(api, owner, owner_token, superuser, superuser_token):
    api.post_json(
        "/api/create_user",
        {
            "session_id": superuser_token,
            "username": "nurse",
            "password": "Correct-Horse-9",
            "Confirm_Password": "Correct-Horse-9",
        },
    )
    created = last("user.create")
    assert (created.actor, created.object_id, created.session_id) == (
        superuser,
        "nurse",
        Session.objects.get(user=superuser).pk,
    )
    api.post_json(
        "/api/update_user", {"session_id": owner_token, "first_name": "O", "phone_number": "1"}
    )
    assert last("user.update").detail == {"fields": ["first_name", "phone_number"]}


def test_device_and_patient_lifecycle(api, owner, owner_token, other_user, other_token):
    api.post_json(
        "/api/add_device", {"session_id": owner_token, "serial_number": "ECG-9", "Mac_id": "AA:09"}
    )
    api.post_json(
        "/api/add_device", {"session_id": other_token, "serial_number": "ECG-9", "Mac_id": "AA:09"}
    )
    api.post_json(
        "/api/update_device_settings",
        {"session_id": owner_token, "serial_number": "ECG-9", "device_name": "N"},
    )
    api.post_json(
        "/api/add_patient",
        {
            "session_id": owner_token,
            "patient_name": "A",
            "patient_number": "P-9",
            "serial_number": "ECG-9",
        },
    )
    api.post_json(
        "/api/update_patient",
        {"session_id": owner_token, "patient_name": "B", "patient_number": "P-9"},
    )
    api.post_json("/api/delete_patient", {"session_id": owner_token, "patient_number": "P-9"})
    api.post_json("/api/delete_device", {"session_id": owner_token, "serial_number": "ECG-9"})
    actions = [
        (e.action, e.actor_username, e.object_id)
        for e in events()
        if e.action.startswith(("device", "patient"))
    ]
    assert actions == [
        ("device.create", "owner", "ECG-9"),
        ("device.link", "other", "ECG-9"),
        ("device.update", "owner", "ECG-9"),
        ("patient.create", "owner", "P-9"),
        ("patient.update", "owner", "P-9"),
        ("patient.delete", "owner", "P-9"),
        ("device.delete", "owner", "ECG-9"),
    ]


def test_recording_upload_overwrite_download_and_delete(api, owner, owner_token, patient):
    api.post("/api/post_data", upload_fields(owner_token, content=b"v1"))
    api.post("/api/post_data", upload_fields(owner_token, content=b"v2", overwrite="true"))
    r = api.get(f"/api/get_data?session_id={owner_token}&data_id=D-1", HTTP_RANGE="bytes=0-0")
    assert r.status_code == 206
    api.post_json("/api/delete_patient", {"session_id": owner_token, "patient_number": "P-1"})
    upload, overwrite = last("recording.upload"), last("recording.overwrite")
    assert upload.detail["size"] == 2 and upload.object_id == "D-1"
    assert overwrite.detail["replaced_file"] == upload.detail["file"]
    assert last("recording.download").detail == {"range": "bytes=0-0"}
    assert last("recording.delete").object_id == "D-1"


def test_refused_access_is_recorded(api, owner, other_token, device):
    api.get_json(
        "/api/get_ota", {"session_id": other_token, "serial_number": "ECG-1"}, REMOTE_ADDR=ADDRESS
    )
    event = last("access.denied")
    assert (event.outcome, event.actor_username, event.client_address) == (
        "denied",
        "other",
        ADDRESS,
    )
    assert event.detail == {"endpoint": "/api/get_ota", "reason": "permission_denied"}


def test_a_change_that_rolls_back_leaves_no_audit_event(api, owner_token, patient, monkeypatch):
    api.post("/api/post_data", upload_fields(owner_token, content=b"v1"))

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("switch failed")

    monkeypatch.setattr(Recording, "save", broken_save)
    r = api.post("/api/post_data", upload_fields(owner_token, content=b"v2", overwrite="true"))
    assert r.status_code == 500
    assert events("recording.overwrite") == []


def test_events_cannot_be_changed_or_deleted(api, owner, owner_token):
    api.post_json("/api/update_user", {"session_id": owner_token, "first_name": "X"})
    event = last("user.update")
    event.action = "nothing.happened"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x")
    assert last("user.update").action == "user.update"


def test_admin_shows_the_log_read_only(client, superuser, api, owner_token):
    api.post_json("/api/update_user", {"session_id": owner_token, "first_name": "X"})
    admin = verified_admin_client(client, superuser)
    event = last("user.update")
    r = admin.get("/admin/audit/auditevent/?q=owner&action=user.update&outcome=success")
    assert r.status_code == 200 and b"user.update" in r.content
    r = admin.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert r.status_code == 200
    assert b'name="_save"' not in r.content
    assert (
        admin.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_export_a_date_range_as_json_lines(api, owner, owner_token, tmp_path):
    api.post_json("/api/update_user", {"session_id": owner_token, "first_name": "X"})
    today = timezone.now().date()
    out = StringIO()
    call_command("export_audit", "--since", str(today), "--until", str(today), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["action"] for line in lines] == ["user.update"]
    assert lines[0]["actor"] == "owner" and lines[0]["detail"] == {"fields": ["first_name"]}

    target = tmp_path / "audit.jsonl"
    yesterday = today - timedelta(days=1)
    call_command(
        "export_audit",
        "--since",
        str(yesterday),
        "--until",
        str(yesterday),
        "--output",
        str(target),
    )
    assert target.read_text() == ""
