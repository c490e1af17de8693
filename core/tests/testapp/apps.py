from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A model and a router used only by the tests of the shared machinery
    (versions and 409, soft delete, cursor lists) before business apps exist."""

    name = "core.tests.testapp"
    label = "kefu_testapp"
