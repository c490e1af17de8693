from django.urls import path

from sla import level_views, views

app_name = "sla"

urlpatterns = [
    path("sla/", level_views.level_list_view, name="service_levels"),
    path("sla/overdue/", level_views.overdue_view, name="service_overdue"),
    path("sla/levels/new/", level_views.level_edit_view, name="service_level_create"),
    path(
        "sla/levels/<int:pk>/edit/",
        level_views.level_edit_view,
        name="service_level_edit",
    ),
    path(
        "sla/commitments/new/",
        level_views.commitment_edit_view,
        name="service_commitment_create",
    ),
    path(
        "sla/commitments/<int:pk>/edit/",
        level_views.commitment_edit_view,
        name="service_commitment_edit",
    ),
    path(
        "sla/commitments/<int:pk>/",
        level_views.commitment_detail_view,
        name="service_commitment",
    ),
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
