"""Signals other apps hook into when a patient is erased."""

from django.dispatch import Signal

# Sent inside the erasing transaction, before the patient row is deleted, with `patient`.
# The recordings app deletes the patient's recordings here and removes their files only after
# the transaction commits (`transaction.on_commit`), so a rolled-back erasure loses no file.
patient_erasing = Signal()
