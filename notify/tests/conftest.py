import pytest

from notify.tests.smtp_server import SmtpServer


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer().start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    yield server
    server.stop()
