from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list_view, name="list"),
    path("export.xlsx", views.audit_export_view, name="export"),
    path("verify/", views.audit_verify_view, name="verify"),
    path("<int:pk>/", views.audit_detail_view, name="detail"),
]
