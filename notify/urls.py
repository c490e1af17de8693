from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list_view, name="notification_list"),
    path("bell/", views.bell_view, name="bell"),
    path("<int:pk>/open/", views.notification_open_view, name="notification_open"),
    path("read-all/", views.notification_read_all_view, name="notification_read_all"),
    path("outbox/", views.message_list_view, name="message_list"),
    path("outbox/<int:pk>/", views.message_detail_view, name="message_detail"),
    path("outbox/<int:pk>/retry/", views.message_retry_view, name="message_retry"),
]
