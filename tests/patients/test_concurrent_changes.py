"""A patient erased by another request between lookup and rename is a clean refusal."""

import pytest

from patients import services
from patients.errors import PatientNotFound
from patients.models import Patient
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


def test_renaming_a_patient_erased_meanwhile_is_patient_not_found(owner, monkeypatch):
    looked_up = make_patient("P-GONE", owner=owner)
    monkeypatch.setattr(services, "patient_get_for_user", lambda **kwargs: looked_up)
    Patient.objects.filter(pk=looked_up.pk).delete()  # another request's erase
    with pytest.raises(PatientNotFound):
        services.patient_rename(user=owner, patient_number="P-GONE", name="New")
    assert not Patient.objects.exists()
