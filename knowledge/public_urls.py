from django.urls import path

from knowledge import views

app_name = "portal_faq"

urlpatterns = [
    path("", views.public_faq_view, name="list"),
    path("<int:pk>/", views.public_article_view, name="article"),
]
