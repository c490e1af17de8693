import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
    b"\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


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


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def photo():
    return lambda name="现场照片.png": upload(name, PNG)


@pytest.fixture
def submit(users):
    """A submission through the portal's service; returns TicketCreated."""
    from portal import services

    def make(**values):
        values.setdefault("type", "complaint")
        values.setdefault("name", "林小姐")
        values.setdefault("phone", "10098765432")
        values.setdefault("subject", "收到的货物外箱破损")
        values.setdefault("description", "外箱压坏，里面两件商品有裂痕。")
        return services.portal_submit(**values)

    return make


@pytest.fixture
def opened(client):
    """Open a private link in ``client`` (the cookie is set); returns the page URL."""

    def open_link(created):
        response = client.get(created.customer_link)
        assert response.status_code == 302
        return response["Location"]

    return open_link


__all__ = ["io", "upload"]
