from django.urls import path

from customers import (
    credit_views,
    freshness_views,
    handover_views,
    import_views,
    tier_views,
    transaction_views,
    views,
)

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
    # Relationship data: transactions, tiers, credit, freshness, handover, imports.
    path(
        "<int:pk>/transactions/",
        transaction_views.transaction_create_view,
        name="transaction_create",
    ),
    path(
        "<int:pk>/transactions/<int:tx_pk>/void/",
        transaction_views.transaction_void_view,
        name="transaction_void",
    ),
    path("<int:pk>/tier/", tier_views.tier_set_view, name="tier_set"),
    path("<int:pk>/credit/new/", credit_views.credit_assess_view, name="credit_assess"),
    path("<int:pk>/credit/check/", credit_views.credit_check_view, name="credit_check"),
    path(
        "<int:pk>/review/verify/",
        freshness_views.review_verify_view,
        name="review_verify",
    ),
    path(
        "transactions/",
        transaction_views.transaction_list_view,
        name="transaction_list",
    ),
    path(
        "transactions/export.xlsx",
        transaction_views.transaction_export_view,
        name="transaction_export",
    ),
    path("tiers/", tier_views.tier_review_view, name="tier_review"),
    path("tiers/run/", tier_views.tiers_run_view, name="tiers_run"),
    path("rules/", tier_views.rules_view, name="rules"),
    path("credit/", credit_views.credit_worsened_view, name="credit_worsened"),
    path("credit/export.xlsx", credit_views.credit_export_view, name="credit_export"),
    path("review/", freshness_views.review_list_view, name="review_list"),
    path("duplicates/", freshness_views.duplicate_list_view, name="duplicate_list"),
    path(
        "duplicates/find/",
        freshness_views.duplicates_find_view,
        name="duplicates_find",
    ),
    path(
        "duplicates/<int:pk>/",
        freshness_views.duplicate_detail_view,
        name="duplicate_detail",
    ),
    path(
        "duplicates/<int:pk>/dismiss/",
        freshness_views.duplicate_dismiss_view,
        name="duplicate_dismiss",
    ),
    path("handover/", handover_views.handover_view, name="handover"),
    path(
        "handover/holdings/",
        handover_views.handover_holdings_view,
        name="handover_holdings",
    ),
    path(
        "handover/<int:pk>/",
        handover_views.handover_detail_view,
        name="handover_detail",
    ),
    path("imports/", import_views.import_list_view, name="import_list"),
    path(
        "imports/template/<str:kind>.xlsx",
        import_views.import_template_view,
        name="import_template",
    ),
    path("imports/<int:pk>/", import_views.import_detail_view, name="import_detail"),
    path(
        "imports/<int:pk>/progress/",
        import_views.import_progress_view,
        name="import_progress",
    ),
    path(
        "imports/<int:pk>/confirm/",
        import_views.import_confirm_view,
        name="import_confirm",
    ),
    path(
        "imports/<int:pk>/cancel/",
        import_views.import_cancel_view,
        name="import_cancel",
    ),
]
