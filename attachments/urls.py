from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("tickets/<str:number>/", views.ticket_files_view, name="ticket_files"),
    path("<int:pk>/", views.attachment_download_view, name="download"),
]
