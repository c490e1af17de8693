"""Login (password, then the second factor where there is one) and logout; one's
own password, authenticator, sessions and tokens; and the system administrator's
pages for users, departments and roles."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors
from accounts.forms import (
    DepartmentCreateForm,
    DepartmentForm,
    LoginForm,
    PasswordChangeForm,
    PasswordSetForm,
    SecondFactorForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
)
from accounts.login import (
    LoginStep,
    login_attempt,
    login_enrolment_confirm,
    login_enrolment_needed,
    login_pending_user,
    login_second_factor,
    logout_perform,
)
from accounts.models import ApiToken, Department, User, UserSession
from accounts.passwords import password_expired, password_expires_at
from accounts.permissions import (
    can_manage_departments,
    can_manage_users,
    can_view_roles,
)
from accounts.policy import security_policy_get
from accounts.services import (
    api_token_issue,
    api_token_revoke,
    department_create,
    department_update,
    password_change_own,
    user_create,
    user_set_password,
    user_update,
)
from accounts.sessions import user_session_revoke
from accounts.totp import (
    totp_device_confirmed,
    totp_disable,
    totp_enable,
    totp_enrolment_secret,
    totp_provisioning_uri,
    totp_qr_data_uri,
    totp_required_for,
    totp_secret_display,
)
from core.audit import get_visible_or_404
from core.errors import DomainError
from core.pagination import keyset_paginate
from core.ratelimit import rate_limited


def _form_error(form, exc: DomainError) -> None:
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return "/"


LOGIN_END_REASONS = {
    UserSession.EndReason.IDLE: _lazy("由于长时间未操作，您已自动退出，请重新登录。"),
    UserSession.EndReason.ABSOLUTE: _lazy("本次登录已超过最长时限，请重新登录。"),
}


def _login_rate() -> str:
    return settings.KEFU_LOGIN_RATE


@login_not_required
@require_http_methods(["GET", "POST"])
@rate_limited(group="login", rate=_login_rate, method="POST")
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect("home:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step = login_attempt(request=request, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if step == LoginStep.SECOND_FACTOR:
                return redirect(
                    f"{reverse('accounts:login_verify')}?"
                    f"{urlencode({'next': _safe_next(request)})}"
                )
            return redirect(_safe_next(request))
    reason = request.GET.get("reason", "")
    ended = LOGIN_END_REASONS.get(reason)
    if ended is None and reason in UserSession.EndReason.values:
        ended = _("您的登录已结束，请重新登录。")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", ""), "ended": ended},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
@rate_limited(group="login", rate=_login_rate, method="POST")
def login_verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the code, or setting the authenticator up first
    where the person's role requires it and they have none."""
    user = login_pending_user(request)
    if user is None:
        return redirect("accounts:login")
    enrolling = login_enrolment_needed(request)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if enrolling:
                login_enrolment_confirm(request=request, code=form.cleaned_data["code"])
            else:
                login_second_factor(request=request, code=form.cleaned_data["code"])
        except DomainError as exc:
            if exc.code in {"account_locked", "login_expired"}:
                messages.error(request, exc.message)
                return redirect("accounts:login")
            _form_error(form, exc)
        else:
            return redirect(_safe_next(request))
    context = {"form": form, "next": _safe_next(request), "pending_user": user}
    if enrolling:
        context.update(_enrolment_context(request, user))
    return render(request, "accounts/login_verify.html", context)


def _enrolment_context(request: HttpRequest, user: User) -> dict:
    secret = totp_enrolment_secret(request)
    uri = totp_provisioning_uri(secret=secret, username=user.username)
    return {
        "enrolment": True,
        "totp_secret": totp_secret_display(secret),
        "totp_uri": uri,
        "totp_qr": totp_qr_data_uri(uri),
    }


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout_perform(request=request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    policy = security_policy_get()
    expired = password_expired(request.user, policy)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change_own(
                request=request,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("密码已修改。其他设备上的登录和全部 API 令牌已失效。")
            )
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "expired": expired,
            "expires_at": password_expires_at(request.user, policy),
        },
    )


@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()[:64] or _("个人令牌")
        new_token, _token = api_token_issue(
            user=request.user, name=name, request=request
        )
    policy = security_policy_get()
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.api_token_list_for(request.user),
            "new_token": new_token,
            "sessions": selectors.user_session_list_for(request.user)[:50],
            "current_session_key": request.session.session_key,
            "totp_device": totp_device_confirmed(request.user),
            "totp_required": totp_required_for(request.user, policy),
            "password_expires_at": password_expires_at(request.user, policy),
        },
    )


@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_visible_or_404(
        request, ApiToken.objects.filter(user=request.user), pk=pk
    )
    api_token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:profile")


@require_POST
def session_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_visible_or_404(
        request, UserSession.objects.filter(user=request.user), pk=pk
    )
    user_session_revoke(actor=request.user, session=session, request=request)
    if session.session_key == request.session.session_key:
        return redirect("accounts:login")
    messages.success(request, _("该会话已结束。"))
    return redirect("accounts:profile")


@require_POST
def session_revoke_others_view(request: HttpRequest) -> HttpResponse:
    others = selectors.user_session_list_for(request.user).exclude(
        session_key=request.session.session_key
    )
    for session in others:
        user_session_revoke(actor=request.user, session=session, request=request)
    messages.success(request, _("其他设备上的登录已全部结束。"))
    return redirect("accounts:profile")


@require_http_methods(["GET", "POST"])
def totp_view(request: HttpRequest) -> HttpResponse:
    """Set up one's authenticator, or turn it off (with a current code)."""
    device = totp_device_confirmed(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if device is None:
                totp_enable(request=request, code=code)
            else:
                totp_disable(request=request, code=code)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("双因素认证已启用，以后登录时需要输入动态码。")
                if device is None
                else _("双因素认证已停用。"),
            )
            return redirect("accounts:profile")
    context = {
        "form": form,
        "device": device,
        "required": totp_required_for(request.user, security_policy_get()),
    }
    if device is None:
        context.update(_enrolment_context(request, request.user))
    return render(request, "accounts/totp.html", context)


# --- users -------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def user_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_users(request.user))
    filters = UserFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    try:
        page = keyset_paginate(
            selectors.user_list(**{k: v for k, v in criteria.items() if v}),
            ordering=["username", "id"],
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError:
        page = keyset_paginate(
            selectors.user_list(), ordering=["username", "id"], cursor=None, limit=50
        )
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@require_http_methods(["GET", "POST"])
def user_create_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_users(request.user))
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(actor=request.user, request=request, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已创建用户 %(name)s。") % {"name": user.name})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "POST"])
def user_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_users(request.user))
    user = get_object_or_404(User, pk=pk)
    initial = {
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "department": user.department_id,
        "is_active": user.is_active,
        "roles": list(user.groups.values_list("name", flat=True)),
    }
    form = UserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(
                actor=request.user, user=user, request=request, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已保存用户 %(name)s。") % {"name": user.name})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "subject": user})


@require_http_methods(["GET", "POST"])
def user_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_users(request.user))
    user = get_object_or_404(User, pk=pk)
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_password(
                actor=request.user,
                user=user,
                password=form.cleaned_data["password"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已为 %(name)s 设置新密码。") % {"name": user.name}
            )
            return redirect("accounts:user_list")
    return render(
        request, "accounts/user_password.html", {"form": form, "subject": user}
    )


# --- departments and roles ---------------------------------------------------------


def department_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_departments(request.user))
    return render(
        request,
        "accounts/department_list.html",
        {"departments": selectors.department_list()},
    )


@require_http_methods(["GET", "POST"])
def department_create_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_departments(request.user))
    form = DepartmentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department_create(actor=request.user, request=request, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已创建部门。"))
            return redirect("accounts:department_list")
    return render(
        request, "accounts/department_form.html", {"form": form, "creating": True}
    )


@require_http_methods(["GET", "POST"])
def department_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    _require(can_manage_departments(request.user))
    department = get_object_or_404(Department, code=code)
    initial = {
        "name": department.name,
        "dispatcher": department.dispatcher_id,
        "sort_order": department.sort_order,
        "is_active": department.is_active,
    }
    form = DepartmentForm(request.POST or None, initial=initial, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            department_update(
                actor=request.user,
                department=department,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已保存部门 %(name)s。") % {"name": department.name}
            )
            return redirect("accounts:department_list")
    return render(
        request,
        "accounts/department_form.html",
        {
            "form": form,
            "department": department,
            "members": selectors.department_members(department),
        },
    )


def role_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_view_roles(request.user))
    return render(request, "accounts/role_list.html", {"roles": selectors.role_list()})
