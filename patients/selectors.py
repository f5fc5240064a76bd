"""Reads of patients that enforce ownership: another user's patient does not exist for you."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from patients.errors import PatientNotFound
from patients.models import Patient


def patient_get_for_user(*, user: User, patient_number: str) -> Patient:
    """The patient with `patient_number` if `user` owns it or is a superuser.

    Raises `PatientNotFound` otherwise: someone else's patient looks exactly like a missing one.
    """
    try:  # patient_number is unique; get() compiles a cheaper query than first()'s ORDER BY
        return patients_visible_to(user=user).get(patient_number=patient_number)
    except Patient.DoesNotExist:
        raise PatientNotFound() from None


def patients_for_user(*, user: User, serial_number: str | None = None) -> QuerySet[Patient]:
    """The caller's own patients, optionally only those linked to the device `serial_number`."""
    patients = Patient.objects.filter(owner=user)
    if serial_number is not None:
        patients = patients.filter(device_links__device__serial_number=serial_number)
    return patients.order_by("patient_number")


def patients_visible_to(*, user: User) -> QuerySet[Patient]:
    """Every patient `user` may see: their own, or every patient for a superuser."""
    if user.is_superuser:
        return Patient.objects.all()
    return Patient.objects.filter(owner=user)
