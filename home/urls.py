from django.urls import path

from home import views

app_name = "home"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("m/<slug:key>/", views.module_view, name="module"),
    path("search/", views.search_view, name="search"),
]
