import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/login", "/api/nope", "/admin/login/"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["Cross-Origin-Opener-Policy"] == "same-origin"
