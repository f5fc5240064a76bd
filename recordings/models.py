from __future__ import annotations

from django.conf import settings
from django.db import models

from devices.models import Device
from ecg_server.fields import IdentifierField
from patients.models import Patient
from recordings.storage import recording_storage


class Recording(models.Model):
    """An uploaded ECG recording. Its file is private: bytes leave only through the API."""

    data_id = IdentifierField(max_length=128, unique=True)
    # Deleting a device keeps its recordings; they remember the serial number.
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="recordings"
    )
    device_serial_number = models.CharField(max_length=64)
    # Erasing a patient erases their recordings (files after the commit, see signals).
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="recordings")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_recordings"
    )
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    file = models.FileField(storage=recording_storage, max_length=255)
    original_name = models.CharField(max_length=255, blank=True, default="")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_time"]
        indexes = [
            models.Index(fields=["patient", "start_time"], name="recording_patient_start_idx"),
            models.Index(fields=["device", "start_time"], name="recording_device_start_idx"),
        ]

    def __str__(self) -> str:
        return self.data_id
