"""Keep stored files in step with recording rows."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from audit.services import audit_record
from patients.signals import patient_erasing
from recordings.models import Recording
from recordings.services import recording_file_delete, recordings_erase_for_patient


@receiver(post_delete, sender=Recording, dispatch_uid="recording_file_follows_row")
def delete_file_after_commit(sender, instance: Recording, **kwargs) -> None:
    # However the row goes (service, admin, cascade), its file goes too, but only once the
    # deletion has committed: a rolled-back deletion must still find its file.
    audit_record(action="recording.delete", obj=instance, detail={"file": instance.file.name})
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: recording_file_delete(name))


@receiver(patient_erasing, dispatch_uid="erase_patient_recordings")
def erase_patient_recordings(sender, patient, **kwargs) -> None:
    recordings_erase_for_patient(patient=patient)
