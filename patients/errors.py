from __future__ import annotations

from ecg_server.errors import DomainError


class PatientNotFound(DomainError):
    """No such patient, or one the caller may not see: both answer the same."""

    code = "patient_not_found"
    status = 404
    message = "No patient with that number."


class PatientNumberTaken(DomainError):
    code = "patient_number_taken"
    message = "A patient with this patient number already exists."

    def __init__(self) -> None:
        super().__init__(fields={"patient_number": [self.message]})
