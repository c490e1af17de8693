"""The audit writer: every module records security-relevant events through here.

Rows are written unchained, in the caller's transaction; the audit app seals them
into a hash chain in id order afterwards (see audit.services)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent

M = TypeVar("M", bound=models.Model)

# What each event code means, for the auditor's pages. Apps add theirs with
# audit_events_register() (in their AppConfig.ready).
AUDIT_EVENTS: dict[str, Promise] = {
    "login.success": _("登录成功"),
    "login.failure": _("登录失败"),
    "login.lock": _("账户因连续登录失败被锁定"),
    "login.locked": _("锁定期间尝试登录"),
    "login.unlock": _("解除账户锁定"),
    "logout": _("退出登录"),
    "session.expire": _("会话超时退出"),
    "session.revoke": _("吊销会话"),
    "access.denied": _("拒绝访问"),
    "access.csrf": _("拒绝请求（CSRF 校验失败）"),
    "password.change": _("修改本人密码"),
    "totp.enable": _("启用双因素认证"),
    "totp.disable": _("停用双因素认证"),
    "totp.reset": _("重置双因素认证"),
    "token.issue": _("签发 API 令牌"),
    "token.revoke": _("吊销 API 令牌"),
    "user.create": _("创建用户"),
    "user.update": _("修改用户"),
    "user.roles_change": _("变更用户角色"),
    "user.activate": _("启用账户"),
    "user.deactivate": _("停用账户"),
    "user.password_set": _("管理员设置密码"),
    "role.permissions_change": _("角色权限变更"),
    "department.create": _("创建部门"),
    "department.update": _("修改部门"),
    "security.policy_change": _("修改安全策略"),
    "audit.export": _("导出审计日志"),
    "audit.purge": _("清理过期审计日志"),
    "audit.verify": _("校验审计日志"),
}


def audit_events_register(events: dict[str, Promise]) -> None:
    """Name an app's own event codes for the auditor's pages."""
    AUDIT_EVENTS.update(events)


def audit_event_label(code: str) -> str:
    label = AUDIT_EVENTS.get(code)
    return str(label) if label is not None else code


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the server saw it (REMOTE_ADDR; a proxy must set it)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    event: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    result: str = AuditEvent.Result.OK,
    data: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit row; ``actor`` defaults to the request's user."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        event=event,
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        ip=client_ip(request),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        result=result,
        data=data or {},
    )


def audit_access_denied(
    request: HttpRequest,
    *,
    status: int = 403,
    obj: models.Model | None = None,
    reason: str = "",
) -> AuditEvent:
    """Record a refusal: who asked for what (the path, never the query string)."""
    data: dict[str, Any] = {
        "status": status,
        "method": request.method,
        "path": request.path[:300],
    }
    if reason:
        data["reason"] = reason
    return audit_record(
        event="access.denied",
        request=request,
        obj=obj,
        result=AuditEvent.Result.DENIED,
        data=data,
    )


def get_visible_or_404(
    request: HttpRequest, visible: models.QuerySet[M], **lookup: Any
) -> M:
    """The object from ``visible`` (the user's visibility-filtered queryset), or 404.

    When the object exists but is not visible to the user, the answer is the same
    404 (existence is not leaked) and the refusal is audited."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        hidden = visible.model._default_manager.filter(**lookup).first()
        if hidden is not None:
            audit_access_denied(request, status=404, obj=hidden)
        raise Http404 from None


def audit_record_many(
    *,
    event: str,
    objects: list[models.Model],
    actor: Any = None,
    request: HttpRequest | None = None,
    data: dict | None = None,
) -> list[AuditEvent]:
    """One row per object in a single INSERT (e.g. a list that revealed many
    records), so that the cost of auditing does not grow with the page."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    username = actor.get_username()[:150] if actor is not None else ""
    ip = client_ip(request)
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                event=event,
                actor=actor,
                actor_username=username,
                ip=ip,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                data=data or {},
            )
            for obj in objects
        ]
    )
