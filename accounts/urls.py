from accounts.legacy import (
    CreateUserView,
    ForgotPasswordView,
    LoginView,
    LogoutView,
    UpdateUserView,
)
from ecg_server.legacy import legacy_path

legacy_urlpatterns = [
    legacy_path("login", LoginView),
    legacy_path("logout", LogoutView),
    legacy_path("create_user", CreateUserView),
    legacy_path("update_user", UpdateUserView),
    legacy_path("forgot_password", ForgotPasswordView),
]
