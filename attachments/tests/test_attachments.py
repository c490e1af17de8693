"""Attachments: accepted by content, refused by content and size, stored under
server names with a checksum checked on download, served as downloads, and
read and added only by those the ticket's rules allow."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from attachments.models import Attachment
from attachments.services import attachment_storage, attachments_add
from attachments.sniff import sniff
from core.errors import DomainError
from core.models import AuditEvent
from portal.tests.conftest import PNG
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def up(name, data):
    return SimpleUploadedFile(name, data, content_type="image/png")


def _office(prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{prefix}/document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"%PDF-1.7\n...", "application/pdf"),
        (
            _office("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            _office("xl"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (_office("other"), "application/zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "application/x-ole-storage"),
        ("运单号 SF1234，外箱破损。\n".encode(), "text/plain"),
        ("运单号外箱破损".encode("gb18030"), "text/plain"),
        (b"<html><body>hi</body></html>", ""),
        (b"  <!DOCTYPE html><p>", ""),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>', ""),
        (b"hello <script>alert(1)</script>", ""),
        (b"\x7fELF\x02\x01\x01\x00", ""),
        (b"MZ\x90\x00\x03", ""),
        (b"PK\x03\x04 not really a zip", ""),
    ],
)
def test_type_is_judged_by_content(data, expected):
    assert sniff(data) == expected


def test_html_renamed_png_is_refused_naming_the_field(ticket):
    with pytest.raises(DomainError) as exc:
        attachments_add(
            ticket=ticket,
            files=[up("照片.png", b"<html><script>alert(1)</script></html>")],
            public=True,
        )
    assert exc.value.errors[0].field == "files"
    assert "照片.png" in exc.value.message
    assert not Attachment.objects.exists()


@override_settings(KEFU_ATTACHMENT_MAX_BYTES=1000)
def test_oversize_is_refused(ticket):
    with pytest.raises(DomainError) as exc:
        attachments_add(
            ticket=ticket, files=[up("大.png", PNG + b"\x00" * 1000)], public=True
        )
    assert exc.value.errors[0].code == "too_large"
    assert not Attachment.objects.exists()


@override_settings(KEFU_ATTACHMENT_MAX_FILES=2)
def test_too_many_files_are_refused(ticket):
    with pytest.raises(DomainError) as exc:
        attachments_add(
            ticket=ticket, files=[up(f"{i}.png", PNG) for i in range(3)], public=True
        )
    assert exc.value.errors[0].code == "too_many"


def test_stored_under_a_server_name_with_its_checksum(ticket, media):
    import hashlib

    (a,) = attachments_add(
        ticket=ticket, files=[up("../../etc/现场.png", PNG)], public=True
    )
    assert a.original_name == "现场.png"
    assert "现场" not in a.storage_name and ".." not in a.storage_name
    assert a.sha256 == hashlib.sha256(PNG).hexdigest() and a.size == len(PNG)
    assert (media / a.storage_name).read_bytes() == PNG


def _staff_upload(client, ticket, kind="reply", files=None, body="请查看附件"):
    return client.post(
        f"/attachments/tickets/{ticket.number}/",
        {"kind": kind, "body": body, "files": files or [up("回执.png", PNG)]},
    )


def test_owner_uploads_with_a_reply_and_downloads(client, users, ticket):
    client.force_login(users["agent"])
    response = _staff_upload(client, ticket)
    assert response.status_code == 200
    a = Attachment.objects.get()
    assert a.is_public and a.event.kind == "reply" and a.uploaded_by == users["agent"]
    assert "回执.png" in response.content.decode()
    download = client.get(f"/attachments/{a.pk}/")
    assert download.status_code == 200 and download.content == PNG
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_text_is_served_as_an_opaque_download(client, users, ticket):
    client.force_login(users["agent"])
    _staff_upload(
        client, ticket, kind="note", files=[up("记录.txt", "运单号 SF1".encode())]
    )
    a = Attachment.objects.get()
    response = client.get(f"/attachments/{a.pk}/")
    assert response["Content-Type"] == "application/octet-stream"


def test_refused_upload_changes_nothing(client, users, ticket):
    client.force_login(users["agent"])
    response = _staff_upload(client, ticket, files=[up("x.png", b"<html></html>")])
    assert response.status_code == 422
    assert 'data-field-error="files"' in response.content.decode()
    assert not Attachment.objects.exists()
    assert not TicketEvent.objects.filter(kind="reply").exists()


def test_missing_body_or_files_are_named(client, users, ticket):
    client.force_login(users["agent"])
    response = _staff_upload(client, ticket, body="")
    assert (
        response.status_code == 422
        and 'data-field-error="body"' in response.content.decode()
    )
    response = client.post(
        f"/attachments/tickets/{ticket.number}/", {"kind": "note", "body": "x"}
    )
    assert (
        response.status_code == 422
        and 'data-field-error="files"' in response.content.decode()
    )


def test_tampered_file_is_refused_on_download(client, users, ticket, media):
    (a,) = attachments_add(ticket=ticket, files=[up("现场.png", PNG)], public=True)
    (media / a.storage_name).write_bytes(PNG[:-1] + b"\x00")
    client.force_login(users["agent"])
    response = client.get(f"/attachments/{a.pk}/")
    assert response.status_code == 410
    assert PNG[:8] not in response.content
    assert AuditEvent.objects.filter(event="attachment.tampered").exists()


def test_missing_file_is_refused_too(client, users, ticket):
    (a,) = attachments_add(ticket=ticket, files=[up("现场.png", PNG)], public=True)
    attachment_storage().delete(a.storage_name)
    client.force_login(users["agent"])
    assert client.get(f"/attachments/{a.pk}/").status_code == 410


def test_internal_files_need_the_tickets_internals(client, users, ticket):
    """A warehouse clerk who registered a complaint (now with customer service)
    sees its customer-visible files, not the internal ones; a transport clerk
    sees neither file of a ticket that is not theirs."""
    from tickets.services import ticket_create

    theirs = ticket_create(
        actor=users["warehouse"],
        type="complaint",
        channel="visit",
        subject="仓库登记的投诉",
        customer=ticket.customer,
    ).ticket
    assert theirs.owner.department != users["warehouse"].department
    (internal,) = attachments_add(
        ticket=theirs, files=[up("内部.png", PNG)], public=False
    )
    (public,) = attachments_add(ticket=theirs, files=[up("公开.png", PNG)], public=True)
    client.force_login(users["warehouse"])
    assert client.get(f"/attachments/{public.pk}/").status_code == 200
    assert client.get(f"/attachments/{internal.pk}/").status_code == 404
    panel = client.get(f"/attachments/tickets/{theirs.number}/").content.decode()
    assert "公开.png" in panel and "内部.png" not in panel
    client.force_login(users["transport"])
    for a in (internal, public):
        assert client.get(f"/attachments/{a.pk}/").status_code == 404
    assert client.get(f"/attachments/tickets/{ticket.number}/").status_code == 404


def test_forbidden_users_are_refused(client, users, ticket):
    (a,) = attachments_add(ticket=ticket, files=[up("现场.png", PNG)], public=True)
    client.force_login(users["admin"])  # administrators read no tickets
    assert client.get(f"/attachments/{a.pk}/").status_code == 403
    assert client.get(f"/attachments/tickets/{ticket.number}/").status_code == 403
    client.force_login(users["auditor"])  # reads every ticket, changes nothing
    assert client.get(f"/attachments/{a.pk}/").status_code == 200
    panel = client.get(f"/attachments/tickets/{ticket.number}/")
    assert (
        panel.status_code == 200
        and 'data-testid="files-form"' not in panel.content.decode()
    )
    assert _staff_upload(client, ticket).status_code == 403
    assert Attachment.objects.count() == 1
    client.logout()
    assert client.get(f"/attachments/{a.pk}/").status_code == 302


def test_agent_who_is_not_the_owner_may_not_reply_with_files(client, users, ticket):
    client.force_login(users["agent2"])
    assert _staff_upload(client, ticket, kind="reply").status_code == 403
    assert _staff_upload(client, ticket, kind="note").status_code == 200
