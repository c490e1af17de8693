from django.urls import path

from api.api import api_create
from core.tests.testapp.api import router
from kefu.urls import urlpatterns as kefu_urlpatterns

test_api = api_create(namespace="testapi", title="test")
test_api.add_router("", router)

urlpatterns = [*kefu_urlpatterns, path("api/test/", test_api.urls)]
