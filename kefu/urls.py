from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from api.api import api
from core.views import healthz_view

urlpatterns = [
    path("", include("home.urls")),
    path("", include("accounts.urls")),
    path("notifications/", include("notify.urls")),
    path("channels/", include("channels.urls")),
    path("", include("sla.urls")),
    path("security/", include("security.urls")),
    path("audit/", include("audit.urls")),
    path("customers/", include("customers.urls")),
    path("tickets/", include("tickets.urls")),
    path("complaints/", include("complaints.urls")),
    path("attachments/", include("attachments.urls")),
    path("portal/faq/", include("knowledge.public_urls")),
    path("portal/", include("portal.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api.urls),
    path("healthz", healthz_view, name="healthz"),
]

handler403 = "core.views.permission_denied_view"  # every refusal is audited
