from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("submit/", views.submit_view, name="submit"),
    path("t/<str:number>", views.ticket_view, name="ticket"),
    path("t/<str:number>/reply", views.reply_view, name="reply"),
    path("t/<str:number>/confirm", views.confirm_view, name="confirm"),
    path("t/<str:number>/appeal", views.appeal_view, name="appeal"),
    path("t/<str:number>/files/<int:pk>", views.file_view, name="file"),
]
