from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("system/calendars/", views.calendar_list_view, name="calendar_list"),
    path("system/calendars/new/", views.calendar_create_view, name="calendar_create"),
    path(
        "system/calendars/holidays/<int:year>/",
        views.calendar_holidays_view,
        name="calendar_holidays",
    ),
    path(
        "system/calendars/holidays/<int:year>/remove/",
        views.calendar_holidays_remove_view,
        name="calendar_holidays_remove",
    ),
    path(
        "system/calendars/overrides/<int:pk>/remove/",
        views.calendar_override_remove_view,
        name="calendar_override_remove",
    ),
    path(
        "system/calendars/<slug:code>/",
        views.calendar_detail_view,
        name="calendar_detail",
    ),
    path(
        "system/calendars/<slug:code>/edit/",
        views.calendar_edit_view,
        name="calendar_edit",
    ),
    path(
        "system/calendars/<slug:code>/trial/",
        views.calendar_trial_view,
        name="calendar_trial",
    ),
    path(
        "system/calendars/<slug:code>/<int:year>/",
        views.calendar_year_view,
        name="calendar_year",
    ),
    path(
        "system/calendars/<slug:code>/days/<str:date>/",
        views.calendar_day_view,
        name="calendar_day",
    ),
]
