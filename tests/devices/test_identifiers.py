"""Serial and patient numbers compare exactly on every database (MariaDB's default collation
would make them case-insensitive; the columns use a binary collation there)."""

import pytest
from django.db import IntegrityError, transaction

from devices.models import Device
from patients.models import Patient
from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db


def test_serial_numbers_differing_only_in_case_are_two_devices():
    make_device("ECG-ab")
    make_device("ECG-AB")
    assert Device.objects.count() == 2
    assert Device.objects.get(serial_number="ECG-ab").serial_number == "ECG-ab"


def test_an_identical_serial_number_is_refused_by_the_database():
    make_device("ECG-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(serial_number="ECG-1")


def test_patient_numbers_differing_only_in_case_are_two_patients(owner):
    make_patient("p-1", owner=owner)
    make_patient("P-1", owner=owner)
    assert Patient.objects.filter(patient_number="p-1").count() == 1


def test_lookups_are_exact():
    make_device("ECG-X1")
    assert not Device.objects.filter(serial_number="ecg-x1").exists()
    assert Device.objects.filter(serial_number="ECG-X1").exists()
