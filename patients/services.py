"""Patient workflows: adding, renaming and erasing patients."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from devices.selectors import device_get_for_user
from patients.errors import PatientNotFound, PatientNumberTaken
from patients.models import Patient, PatientDeviceLink
from patients.selectors import patient_get_for_user
from patients.signals import patient_erasing


def patient_number_is_taken(patient_number: str) -> bool:
    return Patient.objects.filter(patient_number=patient_number).exists()


def patient_register(
    *, owner: User, patient_number: str, name: str, serial_number: str | None = None
) -> Patient:
    """Add a patient owned by `owner`, linked to the device `serial_number` when given.

    The device must be one the owner may use (`DeviceNotFound` / `PermissionDenied` otherwise);
    then nothing is created.
    """
    device = device_get_for_user(user=owner, serial_number=serial_number) if serial_number else None
    try:
        with transaction.atomic():
            patient = Patient.objects.create(owner=owner, patient_number=patient_number, name=name)
            if device is not None:
                PatientDeviceLink.objects.create(patient=patient, device=device)
            audit_record(action="patient.create", obj=patient)
    except IntegrityError:  # taken between the serializer's check and the insert
        raise PatientNumberTaken() from None
    return patient


@transaction.atomic
def patient_rename(*, user: User, patient_number: str, name: str) -> Patient:
    patient = patient_get_for_user(user=user, patient_number=patient_number)
    patient.name, patient.updated_at = name, timezone.now()
    if not Patient.objects.filter(pk=patient.pk).update(name=name, updated_at=patient.updated_at):
        raise PatientNotFound()  # erased by another request since the lookup
    audit_record(action="patient.update", obj=patient, detail={"fields": ["name"]})
    return patient


@transaction.atomic
def patient_erase(*, user: User, patient_number: str) -> None:
    """Delete the patient with their recordings; files go only after the commit (see signals)."""
    patient = patient_get_for_user(user=user, patient_number=patient_number)
    audit_record(action="patient.delete", obj=patient)
    patient_erasing.send(sender=Patient, patient=patient)
    patient.delete()
