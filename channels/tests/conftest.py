import pytest
from django.utils import translation

from channels.models import Mailbox, SmsGateway
from channels.tests.servers import Dovecot, HttpReceiver, MailStoreServer
from customers import services as customer_services


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def default_templates(db):
    """The default texts, as the first visit of the templates page writes them."""
    from channels.selectors import template_list

    template_list()


@pytest.fixture
def users(demo_accounts):
    return demo_accounts


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 in front of a store that files each
    message once per Message-ID."""
    server = MailStoreServer().start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.DEFAULT_FROM_EMAIL = "kefu@service.example.invalid"
    yield server
    server.stop()


@pytest.fixture
def receiver():
    """The SMS gateway's and the robots' stand-in: an HTTP server on 127.0.0.1."""
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def dovecot():
    """Dovecot on 127.0.0.1 with its own configuration and maildir; a missing
    dovecot fails the test (it is installed by .ci/run), never skips it."""
    try:
        server = Dovecot().start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot, users):
    Mailbox.objects.update_or_create(
        pk=1,
        defaults={
            "is_enabled": True,
            "host": "127.0.0.1",
            "port": dovecot.port,
            "security": Mailbox.Security.PLAIN,
            "username": dovecot.username,
            "password": dovecot.password,
            "folder": "INBOX",
        },
    )
    return Mailbox.objects.get(pk=1)


@pytest.fixture
def sms_gateway(receiver):
    SmsGateway.objects.update_or_create(
        pk=1,
        defaults={
            "is_enabled": True,
            "endpoint": receiver.url("/sms/send"),
            "access_key": "kefu-key",
            "secret": "sms-secret",
            "sign_name": "华东捷运",
            "template_code": "SMS_0001",
        },
    )
    receiver.answer = {"code": "OK", "message": "ok"}
    return SmsGateway.objects.get(pk=1)


@pytest.fixture
def customer(users):
    """An organisation whose contact reads mail at wang.fang@example.invalid."""
    agent = users["agent"]
    customer = customer_services.customer_create(
        actor=agent, kind="organisation", name="恒通电子科技有限公司", owner=agent
    )
    customer_services.contact_create(
        actor=agent,
        customer=customer,
        name="王芳",
        email="wang.fang@example.invalid",
        mobile="13800138000",
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def contact(customer):
    return customer.contacts.get()


@pytest.fixture
def make_ticket(users, customer, contact):
    from tickets import services

    def make(actor="agent", **values):
        values.setdefault("type", "inquiry")
        values.setdefault("channel", "phone")
        values.setdefault("subject", "查询运单的物流进度")
        values.setdefault("customer", customer)
        values.setdefault("contact", contact)
        actor = users[actor] if isinstance(actor, str) else actor
        return services.ticket_create(actor=actor, **values)

    return make
