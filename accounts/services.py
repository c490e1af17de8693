"""Writes about people: users, roles, departments, one's own password, and API
tokens. Logging in is in accounts.login; lockouts, sessions and the second factor
in accounts.lockout, accounts.sessions and accounts.totp."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import secrets
from collections.abc import Iterable

from django.apps import apps as django_apps
from django.contrib.auth import (
    update_session_auth_hash,
)
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.handover import handover_required_check
from accounts.models import (
    ApiToken,
    Department,
    User,
    UserSession,
)
from accounts.passwords import password_history_record
from accounts.permissions import (
    can_manage_departments,
    can_manage_users,
)
from accounts.policy import security_policy_get
from accounts.roles import ADMINISTRATION_ROLES, Role
from accounts.sessions import (
    user_sessions_end_all,
)
from core.audit import audit_record
from core.errors import DomainError, FieldError

TOKEN_PREFIX = "kf_"


# --- roles -------------------------------------------------------------------------


def role_grants_collect() -> dict[str, set[str]]:
    """Merge the ROLE_GRANTS of every installed app's permissions module."""
    grants: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in django_apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.permissions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.permissions":
                raise
            continue
        for role, perms in getattr(module, "ROLE_GRANTS", {}).items():
            grants[str(role)].update(perms)
    return grants


def roles_sync(*, using: str = "default") -> None:
    """Make one group per role holding exactly the permissions the code grants it."""
    for config in django_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    index = {
        f"{app}.{code}": pk
        for pk, app, code in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, perms in role_grants_collect().items():
        missing = perms - index.keys()
        if missing:
            raise ImproperlyConfigured(
                f"role {role} grants unknown permissions {missing}"
            )
        group, created = Group.objects.using(using).get_or_create(name=role)
        held = {
            f"{app}.{code}"
            for app, code in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        if held == perms:
            continue
        group.permissions.set([index[p] for p in perms])
        if created:
            continue  # a new install: nothing changed
        audit_record(
            event="role.permissions_change",
            data={
                "role": role,
                "added": sorted(perms - held),
                "removed": sorted(held - perms),
            },
        )


def _roles_set(user: User, roles: Iterable[str]) -> tuple[list[str], list[str]]:
    wanted = {str(r) for r in roles}
    unknown = wanted - set(Role.values)
    if unknown:
        raise DomainError(
            _("未知角色：%(roles)s") % {"roles": ", ".join(sorted(unknown))},
            field="roles",
        )
    if len(wanted & ADMINISTRATION_ROLES) > 1:
        raise DomainError(
            _("系统管理员、安全管理员和审计管理员不能由同一人兼任。"),
            field="roles",
            code="separation_of_duties",
        )
    current = set(user.groups.values_list("name", flat=True))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    user.groups.set(Group.objects.filter(name__in=wanted))
    user.__dict__.pop("_kefu_roles", None)
    user.__dict__.pop("_kefu_capabilities", None)
    return added, removed


# --- users -------------------------------------------------------------------------


def _password_check(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(
            " ".join(exc.messages),
            field=field,
            code="weak_password",
            errors=[FieldError(field, m, "weak_password") for m in exc.messages],
        ) from None


def _tokens_revoke_all(user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    department: Department | None,
    roles: Iterable[str],
    password: str,
    email: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Create a staff account with its roles; audited."""
    if not can_manage_users(actor):
        raise PermissionDenied
    username = username.strip()
    if not username:
        raise DomainError(_("请填写用户名。"), field="username", code="required")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("用户名已存在。"), field="username", code="duplicate")
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        department=department,
    )
    _password_check(password, user)
    user.set_password(password)
    user.save()
    password_history_record(user)
    added, _removed = _roles_set(user, roles)
    audit_record(
        event="user.create",
        actor=actor,
        request=request,
        obj=user,
        data={"roles": added, "department": department.code if department else None},
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    display_name: str,
    email: str,
    phone: str,
    department: Department | None,
    roles: Iterable[str],
    is_active: bool,
    request: HttpRequest | None = None,
) -> User:
    """Change a staff account; deactivation revokes its tokens; role changes audited."""
    if not can_manage_users(actor):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    if not is_active and user.pk == actor.pk:
        raise DomainError(_("不能停用自己的账户。"), field="is_active")
    if not is_active or (
        department is not None and department.pk != user.department_id
    ):
        held = list(user.dispatching_departments.values_list("name", flat=True))
        if held:
            raise DomainError(
                _("此人是以下部门的调度员，请先更换调度员：%(departments)s")
                % {"departments": "、".join(held)},
                field="is_active" if not is_active else "department",
            )
    if user.is_active and not is_active:
        handover_required_check(user)  # nothing may stay with an inactive user
    if user.pk == actor.pk and {str(r) for r in roles} != set(
        user.groups.values_list("name", flat=True)
    ):
        raise DomainError(_("不能修改自己的角色。"), field="roles")
    was_active = user.is_active
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.phone = phone.strip()
    user.department = department
    user.is_active = is_active
    user.save()
    added, removed = _roles_set(user, roles)
    if added or removed:
        audit_record(
            event="user.roles_change",
            actor=actor,
            request=request,
            obj=user,
            data={"added": added, "removed": removed},
        )
    if was_active and not is_active:
        _tokens_revoke_all(user)
        user_sessions_end_all(user=user, reason=UserSession.EndReason.DEACTIVATED)
        audit_record(event="user.deactivate", actor=actor, request=request, obj=user)
    elif is_active and not was_active:
        audit_record(event="user.activate", actor=actor, request=request, obj=user)
    audit_record(event="user.update", actor=actor, request=request, obj=user)
    return user


@transaction.atomic
def user_set_password(
    *, actor: User, user: User, password: str, request: HttpRequest | None = None
) -> None:
    """An administrator sets a new password; the user's sessions and API tokens die
    with the old one. The second factor stays: the next login still asks for it."""
    if not can_manage_users(actor):
        raise PermissionDenied
    _password_check(password, user)
    user.set_password(password)
    user.password_changed_at = None  # under MLPS: to be changed at next login
    user.save(update_fields=["password", "password_changed_at"])
    password_history_record(user)
    _tokens_revoke_all(user)
    user_sessions_end_all(user=user, reason=UserSession.EndReason.PASSWORD)
    audit_record(event="user.password_set", actor=actor, request=request, obj=user)


@transaction.atomic
def password_change_own(
    *, request: HttpRequest, old_password: str, new_password: str
) -> None:
    """A person changes their own password: the other sessions and every API token
    end; this session stays logged in."""
    user = User.objects.select_for_update().get(pk=request.user.pk)
    if not user.check_password(old_password):
        raise DomainError(
            _("当前密码不正确。"), field="old_password", code="bad_password"
        )
    if new_password == old_password:
        raise DomainError(
            _("新密码不能与当前密码相同。"), field="new_password", code="unchanged"
        )
    _password_check(new_password, user, field="new_password")
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    password_history_record(user)
    _tokens_revoke_all(user)
    user_sessions_end_all(
        user=user,
        reason=UserSession.EndReason.PASSWORD,
        except_key=request.session.session_key,
    )
    old_key = request.session.session_key
    update_session_auth_hash(request, user)  # keeps this session, under a new key
    UserSession.objects.filter(session_key=old_key, ended_at__isnull=True).update(
        session_key=request.session.session_key
    )
    request.user = user
    audit_record(event="password.change", actor=user, request=request, obj=user)


# --- departments -------------------------------------------------------------------


def _dispatcher_check(department: Department | None, dispatcher: User | None) -> None:
    if dispatcher is None:
        return
    if not dispatcher.is_active:
        raise DomainError(_("调度员必须是在职用户。"), field="dispatcher")
    if department is None or dispatcher.department_id != department.pk:
        raise DomainError(_("调度员必须是本部门的成员。"), field="dispatcher")


@transaction.atomic
def department_create(
    *,
    actor: User,
    code: str,
    name: str,
    sort_order: int = 100,
    request: HttpRequest | None = None,
) -> Department:
    """Create a department (its dispatcher is chosen once it has members)."""
    if not can_manage_departments(actor):
        raise PermissionDenied
    code, name = code.strip().lower(), name.strip()
    if Department.objects.filter(code=code).exists():
        raise DomainError(_("部门代码已存在。"), field="code", code="duplicate")
    if Department.objects.filter(name=name).exists():
        raise DomainError(_("部门名称已存在。"), field="name", code="duplicate")
    department = Department.objects.create(code=code, name=name, sort_order=sort_order)
    audit_record(
        event="department.create", actor=actor, request=request, obj=department
    )
    return department


@transaction.atomic
def department_update(
    *,
    actor: User,
    department: Department,
    name: str,
    dispatcher: User | None,
    is_active: bool,
    sort_order: int,
    request: HttpRequest | None = None,
) -> Department:
    """Rename a department, name its dispatcher, or retire it; audited."""
    if not can_manage_departments(actor):
        raise PermissionDenied
    department = Department.objects.select_for_update().get(pk=department.pk)
    name = name.strip()
    if Department.objects.exclude(pk=department.pk).filter(name=name).exists():
        raise DomainError(_("部门名称已存在。"), field="name", code="duplicate")
    _dispatcher_check(department, dispatcher)
    if not is_active and department.members.filter(is_active=True).exists():
        raise DomainError(_("部门还有在职成员，不能停用。"), field="is_active")
    before = department.dispatcher_id
    department.name = name
    department.dispatcher = dispatcher
    department.is_active = is_active
    department.sort_order = sort_order
    department.save()
    audit_record(
        event="department.update",
        actor=actor,
        request=request,
        obj=department,
        data={
            "dispatcher_from": before,
            "dispatcher_to": dispatcher.pk if dispatcher else None,
        },
    )
    return department


# --- API tokens ----------------------------------------------------------------------


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(
    *, user: User, name: str = "", request: HttpRequest | None = None
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain key is returned once and never stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:64],
        key_hash=_token_hash(key),
        prefix=key[:10],
        expires_at=timezone.now() + dt.timedelta(days=security_policy_get().token_days),
    )
    audit_record(event="token.issue", actor=user, request=request, obj=token)
    return key, token


def api_token_authenticate(key: str) -> tuple[User, ApiToken] | None:
    """The live token for ``key`` and its active user, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user__department")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def api_token_revoke(
    *, token: ApiToken, actor: User, request: HttpRequest | None = None
) -> None:
    """Revoke one token of the actor's own."""
    if token.user_id != actor.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit_record(event="token.revoke", actor=actor, request=request, obj=token)
