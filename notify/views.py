"""The bell, the list of one's notifications, and the outbox for those allowed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.pagination import keyset_paginate
from notify import selectors
from notify.models import Message, Notification
from notify.permissions import can_view_delivery_log
from notify.services import message_retry_now, notification_mark_read


def _page(request: HttpRequest, queryset, ordering):
    try:
        return keyset_paginate(
            queryset, ordering=ordering, cursor=request.GET.get("cursor"), limit=50
        )
    except DomainError:
        return keyset_paginate(queryset, ordering=ordering, cursor=None, limit=50)


@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = _page(
        request,
        selectors.notification_list_for(user=request.user),
        ["-created_at", "-id"],
    )
    return render(request, "notify/notification_list.html", {"page": page})


@require_GET
def bell_view(request: HttpRequest) -> HttpResponse:
    """The bell's drop-down (an htmx partial): the latest notifications."""
    latest = selectors.notification_list_for(user=request.user).order_by(
        "-created_at", "-pk"
    )
    return render(request, "notify/partials/_bell_menu.html", {"latest": latest[:8]})


@require_POST
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("notify:notification_list")


@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    notification_mark_read(user=request.user)
    return redirect("notify:notification_list")


@require_GET
def message_list_view(request: HttpRequest) -> HttpResponse:
    if not can_view_delivery_log(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status not in Message.Status.values:
        status = ""
    page = _page(request, selectors.message_list(status=status), ["-created_at", "-id"])
    return render(
        request,
        "notify/message_list.html",
        {"page": page, "status": status, "statuses": Message.Status.choices},
    )


@require_GET
def message_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_view_delivery_log(request.user):
        raise PermissionDenied
    message = get_object_or_404(Message.objects.prefetch_related("attempt_log"), pk=pk)
    return render(request, "notify/message_detail.html", {"message": message})


@require_POST
def message_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_view_delivery_log(request.user):
        raise PermissionDenied
    message = get_object_or_404(Message, pk=pk)
    message_retry_now(message=message)
    return redirect("notify:message_detail", pk=message.pk)
