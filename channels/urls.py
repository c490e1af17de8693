from django.urls import path

from channels import views

app_name = "channels"

urlpatterns = [
    path("templates/", views.template_list_view, name="template_list"),
    path("templates/<int:pk>/", views.template_edit_view, name="template_edit"),
    path("mailbox/", views.mailbox_view, name="setup_mailbox"),
    path("mailbox/poll/", views.mailbox_poll_view, name="setup_mailbox_poll"),
    path("sms/", views.sms_view, name="setup_sms"),
    path("robots/", views.robot_list_view, name="setup_robot_list"),
    path("robots/new/", views.robot_edit_view, name="setup_robot_new"),
    path("robots/<int:pk>/", views.robot_edit_view, name="setup_robot_edit"),
    path("robots/<int:pk>/test/", views.robot_test_view, name="setup_robot_test"),
    path("inbound/", views.inbound_list_view, name="inbound_list"),
    path("inbound/<int:pk>/", views.inbound_detail_view, name="inbound_detail"),
    path("inbound/<int:pk>/raw/", views.inbound_raw_view, name="inbound_raw"),
]
