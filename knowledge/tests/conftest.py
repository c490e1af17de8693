import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def users(demo_accounts):
    return demo_accounts


@pytest.fixture
def faq(users):
    from knowledge import services

    manager = users["manager"]
    category = services.faq_category_create(actor=manager, name="退换货")

    def make(
        title="收到的商品破损怎么办？",
        body="请在签收后七天内拍照并提交，我们会安排退货或补发。",
        **kw,
    ):
        return services.faq_article_save(
            actor=manager, category=category, title=title, body=body, **kw
        )

    return make


@pytest.fixture
def closed_complaint(users):
    from complaints.tests.helpers import complaint_close_invalid
    from customers.services import contact_create
    from tickets.services import ticket_create

    sup = users["supervisor"]
    ticket = ticket_create(
        actor=sup,
        type="complaint",
        channel="phone",
        subject="冷链配送延误导致海鲜变质",
        new_customer={"kind": "person", "name": "钱伟民", "phone": "10066667777"},
    ).ticket
    contact_create(
        actor=sup,
        customer=ticket.customer,
        name="钱晓红",
        mobile="10011119999",
        email="qian@example.com",
    )
    return complaint_close_invalid(ticket, sup, reply="已向您致歉并说明核实结果。")
