from __future__ import annotations

from django.conf import settings
from django.db import models

from devices.models import Device
from ecg_server.fields import IdentifierField


class Patient(models.Model):
    """A patient, owned by the user who added it; nobody else but superusers sees it."""

    patient_number = IdentifierField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # PROTECT: deleting an account must not silently erase its patients' health data.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patients"
    )
    devices = models.ManyToManyField(
        Device, through="PatientDeviceLink", related_name="patients", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient_number"]
        indexes = [
            models.Index(fields=["owner", "patient_number"], name="patient_owner_number_idx")
        ]

    def __str__(self) -> str:
        return f"{self.patient_number} ({self.name})"


class PatientDeviceLink(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="device_links")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="patient_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "device"], name="patient_device_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.patient} ↔ {self.device}"
