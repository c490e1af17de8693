from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list_view, name="ticket_list"),
    path("new/", views.ticket_create_view, name="ticket_create"),
    path("pick/customers/", views.customer_pick_view, name="customer_pick"),
    path("pick/contacts/", views.contact_options_view, name="contact_options"),
    path("categories/", views.category_list_view, name="category_list"),
    path("categories/new/", views.category_form_view, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_form_view, name="category_edit"),
    path("of-customer/<int:pk>/", views.customer_tickets_view, name="customer_tickets"),
    path("<str:number>/", views.ticket_detail_view, name="ticket_detail"),
    path("<str:number>/edit/", views.ticket_edit_view, name="ticket_edit"),
    path("<str:number>/events/", views.ticket_event_create_view, name="event_create"),
    path("<str:number>/reply-check/", views.reply_check_view, name="reply_check"),
    path(
        "<str:number>/actions/<slug:action>/",
        views.ticket_action_view,
        name="action",
    ),
]
