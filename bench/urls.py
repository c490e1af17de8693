"""The app's URLs and the trivial view (no database, no session, no template)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path


@login_not_required
def trivial_view(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial_view),
    path("", include("kefu.urls")),
]
