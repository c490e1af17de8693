from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/login/verify/", views.login_verify_view, name="login_verify"),
    path("accounts/password/", views.password_change_view, name="password_change"),
    path("accounts/2fa/", views.totp_view, name="totp"),
    path(
        "accounts/sessions/<int:pk>/revoke/",
        views.session_revoke_view,
        name="session_revoke",
    ),
    path(
        "accounts/sessions/revoke-others/",
        views.session_revoke_others_view,
        name="session_revoke_others",
    ),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/profile/", views.profile_view, name="profile"),
    path(
        "accounts/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"
    ),
    path("system/users/", views.user_list_view, name="user_list"),
    path("system/users/new/", views.user_create_view, name="user_create"),
    path("system/users/<int:pk>/", views.user_edit_view, name="user_edit"),
    path(
        "system/users/<int:pk>/password/",
        views.user_password_view,
        name="user_password",
    ),
    path("system/departments/", views.department_list_view, name="department_list"),
    path(
        "system/departments/new/",
        views.department_create_view,
        name="department_create",
    ),
    path(
        "system/departments/<slug:code>/",
        views.department_edit_view,
        name="department_edit",
    ),
    path("system/roles/", views.role_list_view, name="role_list"),
]
