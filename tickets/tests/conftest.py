import pytest
from django.utils import translation

from customers import services as customer_services


@pytest.fixture(autouse=True)
def chinese():
    """Messages are checked in Chinese whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def users(demo_accounts):
    return demo_accounts


@pytest.fixture
def customer(users):
    """An organisation with one contact, registered through the archive's services."""
    agent = users["agent"]
    customer = customer_services.customer_create(
        actor=agent,
        kind="organisation",
        name="恒通电子科技有限公司",
        phone="021-01234567",
        owner=agent,
    )
    customer_services.contact_create(
        actor=agent, customer=customer, name="周明", mobile="10012345678"
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def contact(customer):
    return customer.contacts.get()


@pytest.fixture
def make_ticket(users, customer):
    """Register a ticket through the service (defaults: an inquiry by phone for
    ``customer``, registered by ``agent``); returns the ticket."""
    from tickets import services

    def make(actor="agent", **values):
        values.setdefault("type", "inquiry")
        values.setdefault("channel", "phone")
        values.setdefault("subject", "查询运单的物流进度")
        if "new_customer" not in values:
            values.setdefault("customer", customer)
        actor = users[actor] if isinstance(actor, str) else actor
        return services.ticket_create(actor=actor, **values).ticket

    return make
