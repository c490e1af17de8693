from django.urls import path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.faq_list_view, name="faq_list"),
    path("faq/new/", views.faq_form_view, name="faq_create"),
    path("faq/<int:pk>/edit/", views.faq_form_view, name="faq_edit"),
    path("faq/<int:pk>/delete/", views.faq_delete_view, name="faq_delete"),
    path("faq/categories/", views.faq_category_create_view, name="category_create"),
    path("templates/", views.template_list_view, name="template_list"),
    path("templates/new/", views.template_form_view, name="template_create"),
    path("templates/<int:pk>/edit/", views.template_form_view, name="template_edit"),
    path("cases/", views.case_list_view, name="case_list"),
    path("cases/new/", views.case_create_view, name="case_create"),
    path("cases/<int:pk>/", views.case_detail_view, name="case_detail"),
    path("cases/<int:pk>/read/", views.case_read_view, name="case_read"),
    path("cases/<int:pk>/assign/", views.case_assign_view, name="case_assign"),
    path("panel/unread/", views.unread_panel_view, name="unread_panel"),
    path("reply/<str:number>/", views.reply_tools_view, name="reply_tools"),
    path("reply/<str:number>/faq/", views.reply_faq_view, name="reply_faq"),
]
