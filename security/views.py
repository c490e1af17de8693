"""The security administrator's pages: the policy, lockouts, sessions and second
factors of staff accounts. The auditor may read the policy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.lockout import login_lockout_clear
from accounts.models import LoginLockout, User, UserSession
from accounts.permissions import can_manage_security, can_view_security_policy
from accounts.policy import POLICY_FIELDS, security_policy_get, security_policy_update
from accounts.sessions import user_session_revoke, user_sessions_revoke_all
from accounts.totp import totp_reset
from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from security import selectors
from security.forms import PolicyForm, UsernameFilterForm


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _page(request: HttpRequest, queryset, ordering: list[str]):
    try:
        return keyset_paginate(
            queryset, ordering=ordering, cursor=request.GET.get("cursor"), limit=50
        )
    except DomainError:
        return keyset_paginate(queryset, ordering=ordering, cursor=None, limit=50)


def _query_without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


def _form_error(form, exc: DomainError) -> None:
    for error in exc.errors:
        form.add_error(
            error.field if error.field in form.fields else None, error.message
        )


@require_http_methods(["GET", "POST"])
def policy_view(request: HttpRequest) -> HttpResponse:
    _require(can_view_security_policy(request.user))
    editable = can_manage_security(request.user)
    if request.method == "POST":
        _require(editable)
    policy = security_policy_get()
    initial = {field: getattr(policy, field) for field in POLICY_FIELDS}
    form = PolicyForm(
        request.POST or None, initial={**initial, "version": policy.version}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            security_policy_update(
                actor=request.user, version=version, changes=data, request=request
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("安全策略已保存。"))
            return redirect("security:policy")
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "security/policy.html",
        {"form": form, "policy": policy, "editable": editable},
    )


@require_GET
def lockout_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_security(request.user))
    filters = UsernameFilterForm(request.GET or None)
    q = filters.cleaned_data["q"] if filters.is_valid() else ""
    locked_only = request.GET.get("locked") == "1"
    page = _page(
        request,
        selectors.lockout_list(locked_only=locked_only, q=q),
        ["-last_failure_at", "-id"],
    )
    return render(
        request,
        "security/lockout_list.html",
        {
            "page": page,
            "filters": filters,
            "locked_only": locked_only,
            "now": timezone.now(),
            "query": _query_without_cursor(request),
        },
    )


@require_POST
def lockout_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_security(request.user))
    lockout = get_object_or_404(LoginLockout, pk=pk)
    login_lockout_clear(actor=request.user, lockout=lockout, request=request)
    messages.success(
        request, _("已解除 %(username)s 的锁定。") % {"username": lockout.username}
    )
    return redirect("security:lockout_list")


@require_GET
def session_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_security(request.user))
    filters = UsernameFilterForm(request.GET or None)
    q = filters.cleaned_data["q"] if filters.is_valid() else ""
    page = _page(request, selectors.session_list_active(q=q), ["-last_seen_at", "-id"])
    return render(
        request,
        "security/session_list.html",
        {
            "page": page,
            "filters": filters,
            "current_session_key": request.session.session_key,
            "query": _query_without_cursor(request),
        },
    )


@require_POST
def session_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_security(request.user))
    session = get_object_or_404(UserSession, pk=pk)
    user_session_revoke(actor=request.user, session=session, request=request)
    messages.success(request, _("该会话已结束。"))
    return redirect("security:session_list")


@require_GET
def account_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_security(request.user))
    filters = UsernameFilterForm(request.GET or None)
    q = filters.cleaned_data["q"] if filters.is_valid() else ""
    page = _page(request, selectors.account_list(q=q), ["username", "id"])
    return render(
        request,
        "security/account_list.html",
        {"page": page, "filters": filters, "query": _query_without_cursor(request)},
    )


@require_POST
def account_totp_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_security(request.user))
    user = get_object_or_404(User, pk=pk)
    try:
        totp_reset(actor=request.user, user=user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已重置 %(name)s 的双因素认证，其登录会话已结束。") % {"name": user.name},
        )
    return redirect("security:account_list")


@require_POST
def account_sessions_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_security(request.user))
    user = get_object_or_404(User, pk=pk)
    ended = user_sessions_revoke_all(actor=request.user, user=user, request=request)
    messages.success(
        request,
        _("已结束 %(name)s 的 %(count)s 个会话。")
        % {"name": user.name, "count": ended},
    )
    return redirect("security:account_list")
