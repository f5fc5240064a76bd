from django.contrib import admin
from django.urls import include, path, re_path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import legacy_urlpatterns as accounts_legacy
from accounts.urls import v2_urlpatterns as accounts_v2
from devices.urls import legacy_urlpatterns as devices_legacy
from devices.urls import v2_urlpatterns as devices_v2
from ecg_server.exceptions import json_not_found
from patients.urls import legacy_urlpatterns as patients_legacy
from patients.urls import v2_urlpatterns as patients_v2
from recordings.urls import legacy_urlpatterns as recordings_legacy
from recordings.urls import v2_urlpatterns as recordings_v2

# Staff sign in to the admin with a password and a TOTP code from an enrolled authenticator.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "ECG Server administration"

# The clinician API; anything else under /api/v2/ is a 404 in its own error shape.
v2_patterns = [
    *accounts_v2,
    *devices_v2,
    *patients_v2,
    *recordings_v2,
    re_path(r"^.*$", json_not_found),
]

api_patterns = [
    path("v2/", include(v2_patterns)),
    *accounts_legacy,
    *devices_legacy,
    *patients_legacy,
    *recordings_legacy,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Anything else under /api/ is a JSON 404, whatever DEBUG says.
    re_path(r"^.*$", json_not_found),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]

handler400 = "ecg_server.exceptions.json_bad_request"
handler403 = "ecg_server.exceptions.json_permission_denied"
handler404 = "ecg_server.exceptions.json_not_found"
handler500 = "ecg_server.exceptions.json_server_error"
