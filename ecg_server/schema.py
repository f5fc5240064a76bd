"""drf-spectacular hooks."""

from __future__ import annotations


def legacy_paths_without_trailing_slash(endpoints: list, **kwargs) -> list:
    """Document `/api/login` (the contract's spelling) rather than the regex's `/api/login/`."""
    from ecg_server.legacy import LegacyView

    result = []
    for path, path_regex, method, callback in endpoints:
        view_class = getattr(callback, "cls", None)
        if view_class and issubclass(view_class, LegacyView) and path.endswith("/"):
            path = path.rstrip("/")
        result.append((path, path_regex, method, callback))
    return result


LEGACY_TAG = "legacy API"


def group_legacy_operations(result: dict, generator, request, public) -> dict:
    """File every legacy operation under one tag, so the docs page shows the two APIs apart."""
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/api/v2/"):
            continue
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["tags"] = [LEGACY_TAG]
    return result
