import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def users(demo_accounts):
    return demo_accounts


@pytest.fixture
def ticket(users):
    from tickets.services import ticket_create

    return ticket_create(
        actor=users["agent"],
        type="complaint",
        channel="phone",
        subject="货物破损",
        new_customer={"kind": "person", "name": "何先生", "phone": "10077778888"},
    ).ticket
