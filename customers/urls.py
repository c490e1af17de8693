from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list_view, name="customer_list"),
    path("new/", views.customer_create_view, name="customer_create"),
    path("export.xlsx", views.customer_export_view, name="customer_export"),
    path("pick/", views.customer_pick_view, name="customer_pick"),
    path("grants/", views.grant_queue_view, name="grant_queue"),
    path("grants/<int:grant_pk>/decide/", views.grant_decide_view, name="grant_decide"),
    path("<int:pk>/", views.customer_detail_view, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit_view, name="customer_edit"),
    path("<int:pk>/print/", views.customer_print_view, name="customer_print"),
    path("<int:pk>/verify/", views.customer_verify_view, name="customer_verify"),
    path("<int:pk>/flag/", views.customer_flag_view, name="customer_flag"),
    path("<int:pk>/delete/", views.customer_delete_view, name="customer_delete"),
    path("<int:pk>/contacts/new/", views.contact_form_view, name="contact_create"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/",
        views.contact_card_view,
        name="contact_card",
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/edit/",
        views.contact_form_view,
        name="contact_edit",
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_delete_view,
        name="contact_delete",
    ),
    path("<int:pk>/events/", views.customer_event_create_view, name="event_create"),
    path("<int:pk>/grants/request/", views.grant_request_view, name="grant_request"),
]
