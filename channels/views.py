"""Pages of the channels: templates (service manager), mailbox, SMS gateway and
robots (system administrator), inbound mail (supervisor, service manager), and
downloads of mail attachments (whoever may see the ticket)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels import selectors, services
from channels.forms import (
    MailboxForm,
    ResolveForm,
    RobotForm,
    SmsGatewayForm,
    TemplateForm,
)
from channels.models import InboundMail, MessageTemplate, Robot
from channels.permissions import (
    can_handle_inbound_mail,
    can_manage_channels,
    can_manage_templates,
)
from core.audit import audit_record
from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate

CONFLICT = gettext_lazy(
    "没有保存：这项设置已被他人修改（当前版本 %(version)s）。请查看最新内容后再修改。"
)


def _errors(form, exc: DomainError) -> None:
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))


def _save(request, form, call) -> bool:
    try:
        call()
    except Conflict as exc:
        form.add_error(None, str(CONFLICT) % {"version": exc.current_version})
    except DomainError as exc:
        _errors(form, exc)
    else:
        messages.success(request, _("已保存。"))
        return True
    return False


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- templates -----------------------------------------------------------------------


@require_GET
def template_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_templates(request.user))
    return render(
        request,
        "channels/template_list.html",
        {"templates": selectors.template_list()},
    )


@require_http_methods(["GET", "POST"])
def template_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_templates(request.user))
    template = get_object_or_404(MessageTemplate, pk=pk)
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if _save(
                request,
                form,
                lambda: services.template_update(
                    actor=request.user,
                    template=template,
                    subject=data["subject"],
                    body=data["body"],
                    is_active=data["is_active"],
                    version=data["version"],
                    request=request,
                ),
            ):
                return redirect("channels:template_list")
    else:
        form = TemplateForm(
            initial={
                "subject": template.subject,
                "body": template.body,
                "is_active": template.is_active,
                "version": template.version,
            }
        )
    if template.code == MessageTemplate.Code.SMS_ACK:
        form.fields.pop("subject")
    return render(
        request,
        "channels/template_form.html",
        {
            "form": form,
            "template": template,
            "placeholders": services.PLACEHOLDERS,
        },
    )


# --- mailbox and SMS -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def mailbox_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_channels(request.user))
    mailbox = selectors.mailbox_get()
    if request.method == "POST":
        form = MailboxForm(request.POST)
        if form.is_valid() and _save(
            request,
            form,
            lambda: services.mailbox_update(
                actor=request.user, request=request, **form.cleaned_data
            ),
        ):
            return redirect("channels:setup_mailbox")
    else:
        form = MailboxForm(
            initial={
                "is_enabled": mailbox.is_enabled,
                "host": mailbox.host,
                "port": mailbox.port,
                "security": mailbox.security,
                "username": mailbox.username,
                "folder": mailbox.folder,
                "register_as": mailbox.register_as_id,
                "version": mailbox.version,
            }
        )
    return render(request, "channels/mailbox.html", {"form": form, "mailbox": mailbox})


@require_POST
def mailbox_poll_view(request: HttpRequest) -> HttpResponse:
    """Read the mailbox now instead of waiting for the next minute."""
    _require(can_manage_channels(request.user))
    result = services.mailbox_poll()
    if result.error:
        messages.error(request, _("收信失败：%(error)s") % {"error": result.error})
    else:
        messages.success(
            request,
            _(
                "读取 %(read)s 封：新工单 %(created)s，追加到工单 %(threaded)s，"
                "无法解析 %(failed)s，重复 %(duplicates)s。"
            )
            % result.__dict__,
        )
    return redirect("channels:setup_mailbox")


@require_http_methods(["GET", "POST"])
def sms_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_channels(request.user))
    gateway = selectors.sms_gateway_get()
    if request.method == "POST":
        form = SmsGatewayForm(request.POST)
        if form.is_valid() and _save(
            request,
            form,
            lambda: services.sms_gateway_update(
                actor=request.user, request=request, **form.cleaned_data
            ),
        ):
            return redirect("channels:setup_sms")
    else:
        form = SmsGatewayForm(
            initial={
                "is_enabled": gateway.is_enabled,
                "endpoint": gateway.endpoint,
                "access_key": gateway.access_key,
                "sign_name": gateway.sign_name,
                "template_code": gateway.template_code,
                "version": gateway.version,
            }
        )
    return render(request, "channels/sms.html", {"form": form, "gateway": gateway})


# --- robots --------------------------------------------------------------------------


@require_GET
def robot_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_channels(request.user))
    return render(
        request, "channels/robot_list.html", {"robots": selectors.robot_list()}
    )


@require_http_methods(["GET", "POST"])
def robot_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(can_manage_channels(request.user))
    robot = get_object_or_404(Robot, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = RobotForm(request.POST)
        if form.is_valid() and _save(
            request,
            form,
            lambda: services.robot_save(
                actor=request.user, robot=robot, request=request, **form.cleaned_data
            ),
        ):
            return redirect("channels:setup_robot_list")
    else:
        initial = {"is_active": True}
        if robot is not None:
            initial = {
                "department": robot.department_id,
                "kind": robot.kind,
                "name": robot.name,
                "webhook": robot.webhook,
                "is_active": robot.is_active,
                "version": robot.version,
            }
        form = RobotForm(initial=initial)
    return render(request, "channels/robot_form.html", {"form": form, "robot": robot})


@require_POST
def robot_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_channels(request.user))
    robot = get_object_or_404(Robot, pk=pk)
    services.robot_test_send(actor=request.user, robot=robot)
    messages.success(request, _("测试消息已交给发送队列，结果见“外发消息”。"))
    return redirect("channels:setup_robot_list")


# --- inbound mail --------------------------------------------------------------------


@require_GET
def inbound_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_handle_inbound_mail(request.user))
    status = request.GET.get("status", InboundMail.Status.FAILED)
    if status not in InboundMail.Status.values:
        status = ""
    qs = selectors.inbound_list(status=status)
    try:
        page = keyset_paginate(
            qs,
            ordering=["-received_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError:
        page = keyset_paginate(
            qs, ordering=["-received_at", "-id"], cursor=None, limit=50
        )
    return render(
        request,
        "channels/inbound_list.html",
        {"page": page, "status": status, "statuses": InboundMail.Status.choices},
    )


@require_http_methods(["GET", "POST"])
def inbound_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_handle_inbound_mail(request.user))
    record = get_object_or_404(
        InboundMail.objects.defer("raw").select_related(
            "ticket", "related_ticket", "resolved_by"
        ),
        pk=pk,
    )
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.inbound_resolve(
                actor=request.user,
                record=record,
                resolution=form.cleaned_data["resolution"],
                request=request,
            )
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已标记为人工处理。"))
            return redirect("channels:inbound_detail", pk=record.pk)
    preview = ""
    if record.status in (InboundMail.Status.FAILED, InboundMail.Status.RESOLVED):
        raw = (
            InboundMail.objects.filter(pk=record.pk)
            .values_list("raw", flat=True)
            .first()
        )
        preview = bytes(raw or b"")[:4000].decode("utf-8", errors="replace")
    return render(
        request,
        "channels/inbound_detail.html",
        {"record": record, "form": form, "preview": preview},
    )


@require_GET
def inbound_raw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The mail exactly as it arrived, as a download (never shown as HTML)."""
    _require(can_handle_inbound_mail(request.user))
    record = get_object_or_404(InboundMail, pk=pk, raw__isnull=False)
    audit_record(
        event="channels.inbound_raw", actor=request.user, request=request, obj=record
    )
    response = HttpResponse(bytes(record.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="mail-{record.pk}.eml"'
    return response
