"""How drf-spectacular describes the session-id authentication."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionTokenAuthentication"
    name = "sessionId"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The session id from login, as `Authorization: Bearer <id>` (or `Token <id>`). "
                "Legacy endpoints also take it as `session_id` in the body or query string."
            ),
        }


class BearerSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerSessionAuthentication"
    name = "bearerSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The clinician API (`/api/v2/`): the session id from `POST /api/v2/login` (or "
                "the legacy login), as `Authorization: Bearer <session_id>`, and only there."
            ),
        }
