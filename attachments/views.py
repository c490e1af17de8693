"""Staff pages: a ticket's files (the panel on the ticket page), uploading with
a note or a reply, and downloading."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from attachments import selectors
from attachments.forms import TicketFilesForm
from attachments.http import download_response
from attachments.models import Attachment
from attachments.permissions import can_attach, can_view_attachment
from attachments.services import (
    AttachmentDamaged,
    attachment_read,
    attachments_add,
    uploads_check,
)
from core.audit import audit_access_denied, get_visible_or_404
from core.errors import DomainError
from tickets.permissions import can_view_tickets
from tickets.selectors import number_clean, ticket_visible
from tickets.services import ticket_event_add


def _ticket(request: HttpRequest, number: str):
    if not can_view_tickets(request.user):
        raise PermissionDenied
    return get_visible_or_404(
        request, ticket_visible(user=request.user), number=number_clean(number)
    )


def _panel(request, ticket, form=None, status=200) -> HttpResponse:
    user = request.user
    attachments = selectors.ticket_attachments_for(user=user, ticket=ticket)
    for a in attachments:
        a.url = reverse("attachments:download", args=[a.pk])
    return render(
        request,
        "attachments/_ticket_panel.html",
        {
            "ticket": ticket,
            "attachments": attachments,
            "limit": settings.KEFU_ATTACHMENT_MAX_BYTES,
            "can_note": can_attach(user, ticket, public=False),
            "can_reply": can_attach(user, ticket, public=True),
            "form": form or TicketFilesForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def ticket_files_view(request: HttpRequest, number: str) -> HttpResponse:
    """GET: the panel (loaded by htmx). POST: files with a note or a reply."""
    ticket = _ticket(request, number)
    if request.method == "GET":
        return _panel(request, ticket)
    form = TicketFilesForm(request.POST, request.FILES)
    if not form.is_valid():
        return _panel(request, ticket, form, status=422)
    public = form.cleaned_data["kind"] == "reply"
    if not can_attach(request.user, ticket, public=public):
        raise PermissionDenied
    files = form.cleaned_data["files"]
    if not files:
        form.add_error("files", _("请选择要上传的文件。"))
        return _panel(request, ticket, form, status=422)
    try:
        with transaction.atomic():
            checked = uploads_check(files)
            event = ticket_event_add(
                ticket=ticket,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                request=request,
            )
            attachments_add(
                ticket=ticket,
                files=files,
                checked=checked,
                actor=request.user,
                event=event,
                public=public,
                request=request,
            )
    except DomainError as exc:
        for error in exc.errors:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        return _panel(request, ticket, form, status=422)
    return _panel(request, ticket)


def attachment_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a ticket the user may read (internal ones need the ticket's
    internals): the same 404 for missing and not visible."""
    if not can_view_tickets(request.user):
        raise PermissionDenied
    visible = Attachment.objects.filter(
        ticket__in=ticket_visible(user=request.user).values("pk")
    ).select_related("ticket", "ticket__department")
    attachment = get_visible_or_404(request, visible, pk=pk)
    if not can_view_attachment(request.user, attachment, ticket_visible=True):
        audit_access_denied(request, status=404, obj=attachment)
        raise Http404
    try:
        data = attachment_read(attachment, request=request)
    except AttachmentDamaged:
        return render(request, "attachments/damaged.html", status=410)
    return download_response(attachment, data)
