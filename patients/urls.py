from ecg_server.legacy import legacy_path
from patients.legacy import AddPatientView, DeletePatientView, ShowPatientsView, UpdatePatientView

legacy_urlpatterns = [
    legacy_path("add_patient", AddPatientView),
    legacy_path("update_patient", UpdatePatientView),
    legacy_path("delete_patient", DeletePatientView),
    legacy_path("show_patients", ShowPatientsView),
]
