from __future__ import annotations

from ecg_server.errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    message = "Wrong username or password, or an inactive account."


class UsernameTaken(DomainError):
    code = "username_taken"
    message = "A user with that username already exists."

    def __init__(self) -> None:
        super().__init__(fields={"username": [self.message]})


class PasswordRejected(DomainError):
    """The password validators refused a password."""

    code = "password_rejected"
    message = "The password is not strong enough."

    def __init__(self, *, field: str, messages: list[str]):
        super().__init__(fields={field: messages})


class PasswordConfirmationMismatch(DomainError):
    code = "password_confirmation_mismatch"
    message = "The password and its confirmation differ."


class NewPasswordMissing(DomainError):
    code = "new_password_missing"
    message = "Both new_password and new_password_confirm are required."


class OtpInvalid(DomainError):
    code = "otp_invalid"
    message = "The one-time password is wrong, expired or already used."
