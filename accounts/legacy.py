"""The legacy accounts endpoints: login, logout, create_user, update_user, forgot_password."""

from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import InvalidSession, find_session_token
from accounts.errors import NewPasswordMissing, PasswordConfirmationMismatch
from accounts.services import (
    password_reset_complete,
    password_reset_request,
    session_revoke,
    user_create,
    user_creation_authorize,
    user_login,
    user_update,
    username_is_taken,
)
from ecg_server.legacy import (
    REQUIRED_MESSAGE,
    TOO_MANY_ATTEMPTS,
    LegacyValidationFailed,
    LegacyView,
    SessionSerializer,
    wire_errors,
    wire_string,
    wire_string_or_errors,
)
from ecg_server.request_info import client_address, user_agent

PASSWORD_MAX_LENGTH = 4096  # bounds the cost of hashing a hostile password


def _password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        trim_whitespace=False,
        style={"input_type": "password"},
        **kwargs,
    )


def _optional_text(max_length: int) -> serializers.CharField:
    # Absent optional text is stored empty, never NULL (the old server crashed on it).
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default=""
    )


class UsernameField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=150, validators=[UnicodeUsernameValidator()], **kwargs)


# --- login ------------------------------------------------------------------------------------


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = _password_field()


class LoginView(LegacyView):
    authentication_classes: list = []
    session_required = False

    @extend_schema(
        summary="Log in and open a new session",
        request=LoginSerializer,
        responses={
            200: wire_string(
                "The new session id (40 characters).", "0123456789abcdef0123456789abcdef01234567"
            ),
            400: wire_string_or_errors(
                "Wrong username/password, inactive user, or `{errors}`.",
                "Login Failed. Check username/password.",
            ),
            429: TOO_MANY_ATTEMPTS,
        },
        auth=[],
    )
    def post(self, request):
        data = self.validated(LoginSerializer)
        token = user_login(
            username=data["username"],
            password=data["password"],
            client_address=client_address(request),
            user_agent=user_agent(request),
        )
        return Response(token)


# --- logout -----------------------------------------------------------------------------------


class LogoutView(LegacyView):
    # Logout reads the token itself: an unknown session is "Already Logged Out.", not a 401.
    authentication_classes: list = []

    @extend_schema(
        summary="Revoke a session",
        request=SessionSerializer,
        responses={
            200: wire_string("Revoked, or it was not live.", "SUCCESS", "Already Logged Out."),
            400: wire_errors(),
        },
        auth=[],
    )
    def post(self, request):
        try:
            token = find_session_token(request)
        except InvalidSession:  # a value that cannot be a token was never logged in
            return Response("Already Logged Out.")
        if token is None:
            raise LegacyValidationFailed({"session_id": [REQUIRED_MESSAGE]})
        return Response("SUCCESS" if session_revoke(token=token) else "Already Logged Out.")


# --- create_user ------------------------------------------------------------------------------


class CreateUserSerializer(SessionSerializer):
    username = UsernameField()
    password = _password_field()
    Confirm_Password = _password_field(source="password_confirmation")
    first_name = _optional_text(150)
    last_name = _optional_text(150)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone_number = _optional_text(32)

    def validate_username(self, value: str) -> str:
        if username_is_taken(value):
            raise serializers.ValidationError("A user with that username already exists.")
        return value

    def validate(self, attrs: dict) -> dict:
        if attrs["password"] != attrs["password_confirmation"]:
            raise PasswordConfirmationMismatch()
        return attrs


class CreateUserView(LegacyView):
    invalid_session_body = "INVALID SESSION"
    session_required = False
    validation_status = 406
    legacy_error_overrides = {
        "password_confirmation_mismatch": (406, "Check Password and Confirm Password"),
    }

    @extend_schema(
        summary="Create a user (superusers only, unless self-registration is open)",
        request=CreateUserSerializer,
        responses={
            200: wire_string("Created.", "SUCCESS"),
            401: wire_string(
                "No valid session, or not a superuser.", "INVALID SESSION", "UNAUTHORIZED"
            ),
            406: wire_string_or_errors(
                "Password and confirmation differ, or `{errors}`.",
                "Check Password and Confirm Password",
            ),
        },
    )
    def post(self, request):
        user_creation_authorize(actor=request.user)  # before validation: no hints to outsiders
        data = self.validated(CreateUserSerializer)
        data.pop("password_confirmation")
        user_create(**data)
        return Response("SUCCESS")


# --- update_user ------------------------------------------------------------------------------


class UpdateUserSerializer(SessionSerializer):
    username = UsernameField(required=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone_number = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate_username(self, value: str) -> str:
        if username_is_taken(value, excluding=self.context["request"].user):
            raise serializers.ValidationError("A user with that username already exists.")
        return value


class UpdateUserView(LegacyView):
    invalid_session_body = "FAIL"

    @extend_schema(
        summary="Update the caller's profile (only the fields given)",
        request=UpdateUserSerializer,
        responses={
            200: wire_string("Updated.", "SUCCESS"),
            400: wire_errors(),
            401: wire_string("Invalid session.", "FAIL"),
        },
    )
    def patch(self, request):
        data = self.validated(UpdateUserSerializer)
        user_update(user=request.user, **data)
        return Response("SUCCESS")

    @extend_schema(
        summary="Update the caller's profile (POST form of PATCH)",
        request=UpdateUserSerializer,
        responses={
            200: wire_string("Updated.", "SUCCESS"),
            400: wire_errors(),
            401: wire_string("Invalid session.", "FAIL"),
        },
    )
    def post(self, request):
        return self.patch(request)


# --- forgot_password --------------------------------------------------------------------------


class ForgotPasswordSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    OTP = serializers.CharField(max_length=32, required=False, source="otp")
    new_password = _password_field(required=False, allow_blank=True)
    new_password_confirm = _password_field(required=False, allow_blank=True)


class ForgotPasswordView(LegacyView):
    authentication_classes: list = []
    session_required = False
    validation_status = 406

    @extend_schema(
        summary="Mode 1: e-mail a reset code. Mode 2 (with OTP): set a new password",
        request=ForgotPasswordSerializer,
        responses={
            200: wire_string(
                "Code sent (whether or not the pair exists), or password updated.",
                "OTP Sent to registered mail.",
                "Password Updated Successfully.",
            ),
            406: wire_string_or_errors(
                "A contract string, or `{errors}`.",
                "INVALID OTP",
                "Please enter both new_password and new_password_confirm.",
                "Password and Confirm Password not same",
            ),
            429: TOO_MANY_ATTEMPTS,
        },
        auth=[],
    )
    def post(self, request):
        data = self.validated(ForgotPasswordSerializer)
        address = client_address(request)
        if "otp" not in data:
            password_reset_request(
                username=data["username"], email=data["email"], client_address=address
            )
            return Response("OTP Sent to registered mail.")
        if not data.get("new_password") or not data.get("new_password_confirm"):
            raise NewPasswordMissing()
        if data["new_password"] != data["new_password_confirm"]:
            raise PasswordConfirmationMismatch()
        password_reset_complete(
            username=data["username"],
            email=data["email"],
            otp=data["otp"],
            new_password=data["new_password"],
            client_address=address,
        )
        return Response("Password Updated Successfully.")
