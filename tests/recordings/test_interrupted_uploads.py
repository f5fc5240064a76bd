"""A client that goes away mid-upload leaves no row and no stray file."""

import io
import json

import pytest
from django.core.handlers.wsgi import LimitedStream
from django.test.client import BOUNDARY, MULTIPART_CONTENT, RequestFactory, encode_multipart

from recordings.legacy import PostDataView
from recordings.models import Recording
from tests.factories import ResetMidway, upload_fields

pytestmark = pytest.mark.django_db


def multipart_with_file_last(token: str, size: int) -> bytes:
    fields = upload_fields(token, content=b"7" * size)
    fields["File"] = fields.pop("File")  # devices send the fields first, the file last
    return encode_multipart(BOUNDARY, fields)


def send(body_stream, declared_length: int):
    request = RequestFactory().generic(
        "POST", "/api/post_data", b"", content_type=MULTIPART_CONTENT
    )
    request.META["CONTENT_LENGTH"] = str(declared_length)
    request.META["CONTENT_TYPE"] = MULTIPART_CONTENT
    request._stream = LimitedStream(body_stream, declared_length)
    response = PostDataView.as_view()(request)
    response.render()
    return response


def test_a_body_that_ends_early_stores_nothing(owner_token, patient, media_files):
    body = multipart_with_file_last(owner_token, 2_000_000)
    response = send(io.BytesIO(body[:1_000_000]), len(body))
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "detail": "The request body ended before its declared Content-Length. Nothing was stored."
    }
    assert not Recording.objects.exists()
    assert media_files() == []


def test_a_connection_reset_mid_file_stores_nothing(owner_token, patient, media_files):
    body = multipart_with_file_last(owner_token, 3_000_000)
    response = send(io.BufferedReader(ResetMidway(body, 1_500_000)), len(body))
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/json"
    assert not Recording.objects.exists()
    assert media_files() == []
