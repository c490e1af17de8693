"""Login and logout, the user's own tokens, and the system administrator's pages
for users, departments and roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors
from accounts.forms import (
    DepartmentCreateForm,
    DepartmentForm,
    LoginForm,
    PasswordSetForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
)
from accounts.models import ApiToken, Department, User
from accounts.permissions import (
    can_manage_departments,
    can_manage_users,
    can_view_roles,
)
from accounts.services import (
    api_token_issue,
    api_token_revoke,
    department_create,
    department_update,
    login_attempt,
    logout_perform,
    user_create,
    user_set_password,
    user_update,
)
from core.errors import DomainError
from core.pagination import keyset_paginate


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


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect("home:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login_attempt(request=request, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect(_safe_next(request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout_perform(request=request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()[:64] or _("个人令牌")
        new_token, _token = api_token_issue(
            user=request.user, name=name, request=request
        )
    tokens = selectors.api_token_list_for(request.user)
    return render(
        request, "accounts/profile.html", {"tokens": tokens, "new_token": new_token}
    )


@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:profile")


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
