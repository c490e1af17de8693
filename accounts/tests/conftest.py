import pytest

from accounts.models import SecurityPolicy


@pytest.fixture
def policy(db):
    return SecurityPolicy.objects.get(pk=1)


@pytest.fixture
def mlps(policy):
    """The MLPS password profile in force."""
    SecurityPolicy.objects.filter(pk=1).update(password_profile="mlps")
    policy.refresh_from_db()
    return policy
