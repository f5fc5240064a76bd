from django.urls import path

from accounts import api, legacy
from ecg_server.legacy import legacy_path

legacy_urlpatterns = [
    legacy_path("login", legacy.LoginView),
    legacy_path("logout", legacy.LogoutView),
    legacy_path("create_user", legacy.CreateUserView),
    legacy_path("update_user", legacy.UpdateUserView),
    legacy_path("forgot_password", legacy.ForgotPasswordView),
]

v2_urlpatterns = [
    path("login", api.LoginView.as_view(), name="v2-login"),
    path("logout", api.LogoutView.as_view(), name="v2-logout"),
    path("me", api.MeView.as_view(), name="v2-me"),
]
