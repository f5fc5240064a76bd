"""The API over a real HTTP connection, as devices reach it."""

import http.client
import json
from urllib.parse import urlparse

from tests.factories import DEFAULT_PASSWORD


def request(live_server, method: str, path: str, body: bytes | None = None, headers=None):
    url = urlparse(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_login_and_use_the_session_over_http(live_server, owner):
    credentials = json.dumps({"username": "owner", "password": DEFAULT_PASSWORD}).encode()
    status, content_type, body = request(
        live_server, "POST", "/api/login", credentials, {"Content-Type": "application/json"}
    )
    assert (status, content_type) == (200, "application/json")
    token = json.loads(body)
    status, _, body = request(
        live_server,
        "POST",
        "/api/update_user/",
        b"first_name=Ada",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Token {token}"},
    )
    assert (status, body) == (200, b'"SUCCESS"')


def test_unknown_path_over_http_is_json(live_server, db):
    status, content_type, body = request(live_server, "GET", "/api/does-not-exist")
    assert (status, content_type, body) == (404, "application/json", b'{"detail":"Not found."}')
