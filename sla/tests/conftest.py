import pytest
from django.utils import translation
from hypothesis import HealthCheck, settings

# Deterministic in CI, nothing written to the source tree, no per-example deadline
# (the first example of a calendar indexes its years).
settings.register_profile(
    "kefu",
    database=None,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("kefu")


@pytest.fixture(autouse=True)
def chinese():
    """Messages are checked in Chinese, whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


# The ticket fixtures (demo accounts, a customer, ``make_ticket``).
from tickets.tests.conftest import contact, customer, make_ticket, users  # noqa: E402,F401
