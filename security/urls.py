from django.urls import path

from security import views

app_name = "security"

urlpatterns = [
    path("", views.policy_view, name="policy"),
    path("lockouts/", views.lockout_list_view, name="lockout_list"),
    path("lockouts/<int:pk>/unlock/", views.lockout_unlock_view, name="lockout_unlock"),
    path("sessions/", views.session_list_view, name="session_list"),
    path("sessions/<int:pk>/revoke/", views.session_revoke_view, name="session_revoke"),
    path("accounts/", views.account_list_view, name="account_list"),
    path(
        "accounts/<int:pk>/totp-reset/",
        views.account_totp_reset_view,
        name="account_totp_reset",
    ),
    path(
        "accounts/<int:pk>/end-sessions/",
        views.account_sessions_end_view,
        name="account_sessions_end",
    ),
]
