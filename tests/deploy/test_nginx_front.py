"""deploy/nginx.conf in front of gunicorn, as docker-compose runs it (skipped without nginx).

Uploads pass through nginx's request buffering; downloads are handed to nginx with
X-Accel-Redirect after the app's permission check, and nginx serves ranges itself.
"""

import hashlib
import http.client
import shutil
from pathlib import Path

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from bench.harness import Nginx
from recordings.models import Recording
from tests.factories import upload_fields
from tests.faults.test_real_server import Server, account, login, server_env  # noqa: F401 (account: fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed"),
]


@pytest.fixture
def front(settings, tmp_path, account):  # noqa: F811
    server = Server(server_env(settings, RECORDINGS_X_ACCEL_PREFIX="/_protected/"), workers=2)
    nginx = Nginx(tmp_path / "nginx", server.port, Path(settings.MEDIA_ROOT))
    yield nginx.port, server
    nginx.stop()
    server.stop()


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_upload_and_download_through_nginx(front):
    port, server = front
    token = login(server)
    content = bytes(range(256)) * 4096  # 1 MiB
    body = encode_multipart(BOUNDARY, upload_fields(token, content=content, name="holter.bin"))
    status, _, reply = request(
        port, "POST", "/api/post_data", body, {"Content-Type": MULTIPART_CONTENT}
    )
    assert (status, reply) == (200, b'"SUCCESS"')
    assert Recording.objects.get().sha256 == hashlib.sha256(content).hexdigest()

    auth = {"Authorization": f"Bearer {token}"}
    status, headers, data = request(port, "GET", "/api/get_data/D-1", headers=auth)
    assert (status, data) == (200, content)
    assert headers["Content-Disposition"] == 'attachment; filename="holter.bin"'
    assert "X-Accel-Redirect" not in headers  # nginx consumed it

    status, headers, data = request(
        port, "GET", "/api/get_data/D-1", headers={**auth, "Range": "bytes=10-19"}
    )
    assert (status, data) == (206, content[10:20])


def test_nginx_never_serves_the_protected_location_directly(front):
    port, _ = front
    status, _, _ = request(port, "GET", "/_protected/recordings/")
    assert status == 404


def test_a_refused_download_through_nginx_is_the_apps_json(front):
    port, server = front
    status, _headers, data = request(
        port, "GET", "/api/get_data/NOPE", headers={"Authorization": f"Bearer {login(server)}"}
    )
    assert (status, data) == (400, b'"FILE DOES NOT EXIST"')
