"""Lies and disconnects over a real socket, against Django's live server."""

import socket
import threading
from urllib.parse import urlparse

import pytest
from django.core.signals import request_finished
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from recordings.models import Recording
from tests.factories import make_device, make_patient, make_session_token, make_user, upload_fields

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def uploader():
    user = make_user("device-user")
    make_patient("P-1", owner=user, devices=[make_device("ECG-1", users=[user])])
    return make_session_token(user)


def send_raw(live_server, head: bytes, body: bytes, *, close_write: bool) -> bytes:
    url = urlparse(live_server.url)
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        sock.sendall(head + body)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def request_head(length: int) -> bytes:
    return (
        f"POST /api/post_data HTTP/1.1\r\nHost: localhost\r\nContent-Type: {MULTIPART_CONTENT}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def test_a_content_length_longer_than_the_body_stores_nothing(live_server, uploader, media_files):
    fields = upload_fields(uploader, content=b"5" * 200_000)
    fields["File"] = fields.pop("File")
    body = encode_multipart(BOUNDARY, fields)
    response = send_raw(live_server, request_head(len(body) * 2), body, close_write=True)
    status = int(response.split(b" ", 2)[1])
    assert 400 <= status < 500, response[:300]
    assert b"application/json" in response.split(b"\r\n\r\n", 1)[0]
    assert not Recording.objects.exists()
    assert media_files() == []


def test_a_client_that_disconnects_mid_upload_leaves_nothing(live_server, uploader, media_files):
    fields = upload_fields(uploader, content=b"5" * 3_000_000)
    fields["File"] = fields.pop("File")
    body = encode_multipart(BOUNDARY, fields)
    url = urlparse(live_server.url)
    # Wait for the server to be done with the request, not for the files to be gone: polling
    # the folder could pass before the server thread has even created its upload file.
    finished = threading.Event()

    def on_request_finished(**kwargs):
        finished.set()

    request_finished.connect(on_request_finished)
    try:
        with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
            sock.sendall(request_head(len(body)) + body[: len(body) // 2])
        assert finished.wait(timeout=60), "the server never finished the request"
    finally:
        request_finished.disconnect(on_request_finished)
    assert not Recording.objects.exists()
    assert media_files() == []
