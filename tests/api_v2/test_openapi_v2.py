"""The schema documents every v2 endpoint (tagged, Bearer, examples) beside the legacy API."""

import pytest
import yaml

from ecg_server.api_v2 import ERROR_CODES
from ecg_server.errors import DomainError

pytestmark = pytest.mark.django_db

V2_OPERATIONS = {
    ("post", "/api/v2/login"),
    ("post", "/api/v2/logout"),
    ("get", "/api/v2/me"),
    ("patch", "/api/v2/me"),
    ("get", "/api/v2/devices"),
    ("post", "/api/v2/devices"),
    ("get", "/api/v2/devices/{serial_number}"),
    ("patch", "/api/v2/devices/{serial_number}"),
    ("delete", "/api/v2/devices/{serial_number}"),
    ("get", "/api/v2/patients"),
    ("post", "/api/v2/patients"),
    ("get", "/api/v2/patients/{patient_number}"),
    ("patch", "/api/v2/patients/{patient_number}"),
    ("delete", "/api/v2/patients/{patient_number}"),
    ("get", "/api/v2/recordings"),
    ("get", "/api/v2/recordings/{data_id}"),
    ("put", "/api/v2/recordings/{data_id}"),
    ("get", "/api/v2/recordings/{data_id}/file"),
    ("get", "/api/v2/recordings/{data_id}/preview"),
    ("get", "/api/v2/recordings/{data_id}/plot.png"),
    ("get", "/api/v2/recordings/{data_id}/plot.svg"),
}
# Codes only the legacy endpoints can raise (password reset and create_user).
LEGACY_ONLY_CODES = {
    "authentication_required",
    "otp_invalid",
    "new_password_missing",
    "password_confirmation_mismatch",
    "password_rejected",
}


@pytest.fixture
def schema(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    return yaml.safe_load(r.content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_every_v2_endpoint_is_documented_tagged_and_bearer(schema):
    v2 = {(m, p): op for m, p, op in operations(schema) if p.startswith("/api/v2/")}
    assert set(v2) == V2_OPERATIONS
    for (method, path), operation in v2.items():
        assert operation["tags"][0].startswith("v2: "), path
        security = operation.get("security")
        if path == "/api/v2/login":
            assert not security
        else:
            assert security == [{"bearerSession": []}], (method, path)
        assert "401" in operation["responses"] or path == "/api/v2/login"


def test_v2_endpoints_carry_examples(schema):
    for method, path, operation in operations(schema):
        if not path.startswith("/api/v2/") or method == "delete":
            continue
        documented = [
            content
            for response in operation["responses"].values()
            for content in response.get("content", {}).values()
        ] + list(operation.get("requestBody", {}).get("content", {}).values())
        assert any("examples" in content for content in documented), (method, path)


def test_the_docs_show_both_apis(schema, client):
    tags = {tag for _, _, op in operations(schema) for tag in op.get("tags", [])}
    assert {"legacy API", "v2: recordings", "v2: devices"} <= tags
    legacy = [op for _, p, op in operations(schema) if not p.startswith("/api/v2/")]
    assert legacy and all(op["tags"] == ["legacy API"] for op in legacy)
    assert schema["components"]["securitySchemes"]["bearerSession"]["scheme"] == "bearer"
    assert client.get("/api/docs/").status_code == 200


def test_every_error_code_the_clinician_api_can_raise_is_listed():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import accounts.errors  # noqa: F401
    import devices.errors  # noqa: F401
    import patients.errors  # noqa: F401
    import recordings.errors  # noqa: F401

    domain_codes = {cls.code for cls in subclasses(DomainError)}
    assert domain_codes - LEGACY_ONLY_CODES <= set(ERROR_CODES)
    for code in domain_codes - LEGACY_ONLY_CODES:
        status = next(c.status for c in subclasses(DomainError) if c.code == code)
        assert ERROR_CODES[code][0] == status, code
