from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list_view, name="complaint_list"),
    path("export/", views.complaint_export_view, name="complaint_export"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/words/", views.promise_word_save_view, name="word_save"),
    path("settings/causes/", views.root_cause_save_view, name="cause_save"),
    path(
        "settings/limits/<int:pk>/", views.approval_limit_save_view, name="limit_save"
    ),
    path("settings/policy/", views.remedy_policy_save_view, name="policy_save"),
    path("bulletins/", views.bulletin_list_view, name="bulletin_list"),
    path("bulletins/<int:pk>/", views.bulletin_detail_view, name="bulletin_detail"),
    path("bulletins/<int:pk>/ack/", views.bulletin_ack_view, name="bulletin_ack"),
    path(
        "bulletins/<int:pk>/remind/", views.bulletin_remind_view, name="bulletin_remind"
    ),
    path(
        "<str:number>/print/form/", views.complaint_form_print_view, name="print_form"
    ),
    path(
        "<str:number>/print/record/",
        views.complaint_record_print_view,
        name="print_record",
    ),
]
