from django.urls import path

from ecg_server.legacy import legacy_path
from patients.api import PatientDetailView, PatientListView
from patients.legacy import AddPatientView, DeletePatientView, ShowPatientsView, UpdatePatientView

legacy_urlpatterns = [
    legacy_path("add_patient", AddPatientView),
    legacy_path("update_patient", UpdatePatientView),
    legacy_path("delete_patient", DeletePatientView),
    legacy_path("show_patients", ShowPatientsView),
]

v2_urlpatterns = [
    path("patients", PatientListView.as_view(), name="v2-patients"),
    path("patients/<str:patient_number>", PatientDetailView.as_view(), name="v2-patient"),
]
