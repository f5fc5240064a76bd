"""The clinician API's account endpoints: login, logout and the caller's profile (`me`)."""

from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.authentication import find_bearer_token
from accounts.models import User
from accounts.services import USER_UPDATABLE_FIELDS, session_revoke, user_login, user_update
from ecg_server.api_v2 import ApiV2View, error_responses
from ecg_server.request_info import client_address, user_agent

TAG = "v2: account"
PASSWORD_MAX_LENGTH = 4096  # bounds the cost of hashing a hostile password


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )


class SessionTokenSerializer(serializers.Serializer):
    session_id = serializers.CharField(help_text="Send as `Authorization: Bearer <session_id>`.")
    token_type = serializers.CharField()


class ProfileSerializer(serializers.ModelSerializer):
    email = serializers.CharField(help_text="Empty when not set.")

    class Meta:
        model = User
        fields = [*USER_UPDATABLE_FIELDS, "is_superuser"]
        read_only_fields = fields


class ProfileUpdateSerializer(serializers.ModelSerializer):
    """The fields a user may change on themselves; lengths come from the model."""

    class Meta:
        model = User
        fields = list(USER_UPDATABLE_FIELDS)
        # The service checks that a username is free, case-insensitively on every database.
        extra_kwargs = {"username": {"validators": [UnicodeUsernameValidator()]}}


PROFILE_EXAMPLE = OpenApiExample(
    "profile",
    value={
        "username": "dr.ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone_number": "+44 20 7946 0000",
        "is_superuser": False,
    },
    response_only=True,
)


class LoginView(ApiV2View):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Log in: open a session (the same sessions as the legacy API)",
        request=CredentialsSerializer,
        responses={
            200: SessionTokenSerializer,
            **error_responses(
                "validation_error", "parse_error", "invalid_credentials", "too_many_attempts"
            ),
        },
        examples=[
            OpenApiExample(
                "login",
                value={"username": "dr.ada", "password": "Sinus-Rhythm-72"},
                request_only=True,
            ),
            OpenApiExample(
                "session",
                value={
                    "session_id": "3f9c0c5e0e1b4f6a8d2c7b9e1a0f4c3d2b1a0e9f",
                    "token_type": "Bearer",
                },
                response_only=True,
            ),
        ],
        auth=[],
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = user_login(
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            client_address=client_address(request),
            user_agent=user_agent(request),
        )
        return Response({"session_id": token, "token_type": "Bearer"})


class LogoutView(ApiV2View):
    @extend_schema(
        tags=[TAG],
        summary="Log out: revoke the session of the Authorization header",
        request=None,
        responses={204: None, **error_responses("not_authenticated")},
    )
    def post(self, request):
        session_revoke(token=find_bearer_token(request))
        return Response(status=204)


class MeView(ApiV2View):
    @extend_schema(
        tags=[TAG],
        summary="The caller's profile",
        responses={200: ProfileSerializer, **error_responses("not_authenticated")},
        examples=[PROFILE_EXAMPLE],
    )
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(
        tags=[TAG],
        summary="Change the caller's profile (only the fields given)",
        request=ProfileUpdateSerializer,
        responses={
            200: ProfileSerializer,
            **error_responses(
                "validation_error",
                "parse_error",
                "username_taken",
                "not_authenticated",
                "unsupported_media_type",
            ),
        },
        examples=[
            OpenApiExample("rename", value={"first_name": "Ada"}, request_only=True),
            PROFILE_EXAMPLE,
        ],
    )
    def patch(self, request):
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update(user=request.user, **serializer.validated_data)
        return Response(ProfileSerializer(user).data)
