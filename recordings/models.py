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
    # What the uploader said about a headerless file (CSV or raw samples); bytes tell the rest.
    sampling_rate_hint = models.FloatField(null=True, blank=True)
    sample_format_hint = models.CharField(max_length=10, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_time"]
        indexes = [
            models.Index(fields=["patient", "start_time"], name="recording_patient_start_idx"),
            # The clinician API's ?device= filter: by the serial uploaded with (kept when the
            # device is deleted), newest first.
            models.Index(
                fields=["device_serial_number", "start_time"], name="recording_serial_start_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.data_id


class RecordingAnalysis(models.Model):
    """What the server understood of a recording's bytes: format, metadata and heart rate.

    Filled in the background after each upload or overwrite; `sha256` names the version of the
    file it describes, so a stale result is never shown for a newer upload.
    """

    PENDING, RUNNING, DONE, UNREADABLE, FAILED = (
        "pending",
        "running",
        "done",
        "unreadable",
        "failed",
    )
    STATES = [(s, s) for s in (PENDING, RUNNING, DONE, UNREADABLE, FAILED)]

    recording = models.OneToOneField(
        Recording, on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=STATES, default=PENDING)
    reason = models.TextField(blank=True, default="", help_text="Why it is unreadable or failed.")
    format = models.CharField(max_length=16, blank=True, default="")
    sampling_rate = models.FloatField(null=True, blank=True)
    lead_names = models.JSONField(default=list, blank=True)
    sample_count = models.BigIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    units = models.CharField(max_length=16, blank=True, default="")
    gains = models.JSONField(default=list, blank=True)
    recorded_start = models.DateTimeField(null=True, blank=True)
    beat_count = models.PositiveIntegerField(null=True, blank=True)
    mean_bpm = models.FloatField(null=True, blank=True)
    min_bpm = models.FloatField(null=True, blank=True)
    max_bpm = models.FloatField(null=True, blank=True)
    algorithm = models.CharField(max_length=64, blank=True, default="")
    algorithm_version = models.CharField(max_length=32, blank=True, default="")
    summary_file = models.CharField(max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "recording analyses"

    def __str__(self) -> str:
        return f"{self.recording_id}: {self.state}"
