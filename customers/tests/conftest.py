import pytest
from django.utils import translation

from customers import services


@pytest.fixture(autouse=True)
def chinese():
    """Messages are checked in Chinese whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def users(demo_accounts):
    return demo_accounts


@pytest.fixture
def archive(users):
    """A customer owned by ``agent`` with credit, one contact with a private
    layer, and one relationship event — built through the services."""
    agent = users["agent"]
    customer = services.customer_create(
        actor=agent,
        kind="organisation",
        name="华为技术有限公司",
        credit_code="91350100M000100Y43",
        ownership="private",
        industry="电子制造",
        province="广东省",
        city="深圳市",
        phone="0755-0123456",
        owner=agent,
        tier="A",
        credit_rating="AA",
        credit_limit="500000",
    )
    contact = services.contact_create(
        actor=agent,
        customer=customer,
        name="李明",
        title="采购经理",
        mobile="100-1234-5678",
        birthday={"calendar": "lunar", "month": 3, "day": 15},
        family="已婚，孩子读小学",
        interests="高尔夫",
        personality="做事严谨",
        relationships="与总经理关系密切",
    )
    customer.refresh_from_db()
    return {"customer": customer, "contact": contact}
