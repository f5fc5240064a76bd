"""The legacy patient endpoints: add_patient, update_patient, delete_patient, show_patients."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from devices.legacy import serial_number_field
from ecg_server.legacy import (
    LegacyView,
    SessionSerializer,
    wire_errors,
    wire_string,
    wire_string_or_errors,
)
from patients.selectors import patients_for_user
from patients.services import (
    patient_erase,
    patient_number_is_taken,
    patient_register,
    patient_rename,
)

INVALID_TOKEN = "INVALID TOKEN"  # noqa: S105 (the wire message, not a secret)


def patient_number_field() -> serializers.CharField:
    return serializers.CharField(max_length=64)


def patient_name_field() -> serializers.CharField:
    return serializers.CharField(max_length=200, source="name")


class PatientWireSerializer(serializers.Serializer):
    patient_number = serializers.CharField()
    patient_name = serializers.CharField(source="name")


NOT_FOUND_OR_ERRORS = wire_string_or_errors(
    "No such patient (or not yours), or `{errors}`.", "PATIENT DOES NOT EXIST"
)
INVALID_TOKEN_RESPONSE = wire_string("Invalid session.", INVALID_TOKEN)


# --- add_patient ------------------------------------------------------------------------------


class AddPatientSerializer(SessionSerializer):
    patient_name = patient_name_field()
    patient_number = patient_number_field()
    serial_number = serial_number_field(required=False)

    def validate_patient_number(self, value: str) -> str:
        if patient_number_is_taken(value):
            raise serializers.ValidationError("A patient with this patient number already exists.")
        return value


class AddPatientView(LegacyView):
    invalid_session_body = INVALID_TOKEN

    @extend_schema(
        summary="Add a patient, optionally linked to one of the caller's devices",
        request=AddPatientSerializer,
        responses={
            200: wire_string("Added.", "SUCCESS"),
            400: wire_string_or_errors(
                "`{errors}`, or an unknown device.", "DEVICE DOES NOT EXIST"
            ),
            401: wire_string(
                "Invalid session, or a device that is not the caller's.",
                INVALID_TOKEN,
                "UNAUTHORIZED",
            ),
        },
    )
    def post(self, request):
        data = self.validated(AddPatientSerializer)
        patient_register(
            owner=request.user,
            patient_number=data["patient_number"],
            name=data["name"],
            serial_number=data.get("serial_number"),
        )
        return Response("SUCCESS")


# --- update_patient ---------------------------------------------------------------------------


class UpdatePatientSerializer(SessionSerializer):
    patient_name = patient_name_field()
    patient_number = patient_number_field()


class UpdatePatientView(LegacyView):
    invalid_session_body = INVALID_TOKEN

    @extend_schema(
        summary="Rename a patient",
        request=UpdatePatientSerializer,
        responses={
            200: wire_string("Renamed.", "SUCCESS"),
            400: NOT_FOUND_OR_ERRORS,
            401: INVALID_TOKEN_RESPONSE,
        },
    )
    def post(self, request):
        data = self.validated(UpdatePatientSerializer)
        patient_rename(user=request.user, patient_number=data["patient_number"], name=data["name"])
        return Response("SUCCESS")


# --- delete_patient ---------------------------------------------------------------------------


class PatientNumberSerializer(SessionSerializer):
    patient_number = patient_number_field()


class DeletePatientView(LegacyView):
    invalid_session_body = INVALID_TOKEN

    @extend_schema(
        summary="Erase a patient with their recordings",
        request=PatientNumberSerializer,
        responses={
            200: wire_string("Erased.", "SUCCESS"),
            400: NOT_FOUND_OR_ERRORS,
            401: INVALID_TOKEN_RESPONSE,
        },
    )
    def post(self, request):
        data = self.validated(PatientNumberSerializer)
        patient_erase(user=request.user, patient_number=data["patient_number"])
        return Response("SUCCESS")


# --- show_patients ----------------------------------------------------------------------------


class ShowPatientsSerializer(SessionSerializer):
    serial_number = serial_number_field(required=False)


PATIENT_LIST = inline_serializer(
    "PatientList", {"status": serializers.CharField(), "data": PatientWireSerializer(many=True)}
)
LIST_FAILURE = inline_serializer(
    "PatientListFailure", {"status": serializers.CharField(), "error": serializers.CharField()}
)


class ShowPatientsView(LegacyView):
    invalid_session_body = {"status": "FAIL", "error": INVALID_TOKEN}

    @extend_schema(
        summary="The caller's patients, or those linked to one device",
        request=ShowPatientsSerializer,
        responses={200: PATIENT_LIST, 400: wire_errors(), 401: LIST_FAILURE},
    )
    def post(self, request):
        data = self.validated(ShowPatientsSerializer)
        patients = patients_for_user(user=request.user, serial_number=data.get("serial_number"))
        return Response(
            {"status": "SUCCESS", "data": PatientWireSerializer(patients, many=True).data}
        )

    @extend_schema(
        summary="The caller's patients (GET form)",
        request=ShowPatientsSerializer,
        responses={200: PATIENT_LIST, 400: wire_errors(), 401: LIST_FAILURE},
    )
    def get(self, request):
        return self.post(request)
