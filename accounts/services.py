"""Writes about people: users, roles, departments, logins (password, lockout,
second factor, sessions) and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import secrets
from collections.abc import Callable, Iterable

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import (
    authenticate,
    login,
    logout,
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

from accounts.lockout import (
    lockout_active_until,
    lockouts_prune,
    login_failure_register,
    login_failures_clear,
)
from accounts.models import (
    ApiToken,
    Department,
    LoginLockout,
    SecurityPolicy,
    TotpDevice,
    User,
    UserSession,
)
from accounts.passwords import password_expired, password_history_record
from accounts.permissions import (
    can_manage_departments,
    can_manage_security,
    can_manage_users,
)
from accounts.policy import security_policy_get
from accounts.roles import ADMINISTRATION_ROLES, Role
from accounts.sessions import (
    user_sessions_end,
    user_sessions_end_all,
    user_sessions_sweep,
)
from accounts.totp import (
    ENROLMENT_SECRET_KEY,
    totp_code_accept,
    totp_device_confirm,
    totp_device_confirmed,
    totp_required_for,
)
from core.audit import audit_record, client_ip
from core.errors import DomainError, FieldError
from core.models import AuditEvent

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


# --- logins ------------------------------------------------------------------------

LOGIN_PENDING_KEY = "kefu_login_pending"
LOGIN_PENDING_MAX = dt.timedelta(minutes=5)


class LoginStep:
    DONE = "done"
    SECOND_FACTOR = "second_factor"


def _bad_credentials(field: str = "password") -> DomainError:
    return DomainError(_("用户名或密码不正确。"), field=field, code="bad_credentials")


def _locked_error(until: dt.datetime) -> DomainError:
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    return DomainError(
        _(
            "账户因连续多次登录失败已被锁定，请 %(minutes)s 分钟后再试，或联系安全管理员解锁。"
        )
        % {"minutes": minutes},
        field="username",
        code="account_locked",
    )


def _refuse_locked(
    *, request: HttpRequest, username: str, until: dt.datetime, via: str
) -> DomainError:
    audit_record(
        event="login.locked",
        request=request,
        username=username,
        result=AuditEvent.Result.DENIED,
        data={"via": via, "locked_until": until.isoformat()},
    )
    return _locked_error(until)


def _login_failure(
    *,
    request: HttpRequest,
    username: str,
    policy: SecurityPolicy,
    via: str,
    stage: str,
    error: DomainError,
) -> DomainError:
    """Count and audit one failure; the error to raise (the lock, once locked)."""
    outcome = login_failure_register(
        username=username, ip=client_ip(request), policy=policy
    )
    audit_record(
        event="login.failure",
        request=request,
        username=username,
        result=AuditEvent.Result.FAILED,
        data={"via": via, "stage": stage, "failures": outcome.failures},
    )
    if outcome.just_locked:
        audit_record(
            event="login.lock",
            request=request,
            username=username,
            result=AuditEvent.Result.DENIED,
            data={
                "via": via,
                "failures": outcome.failures,
                "locked_until": outcome.locked_until.isoformat(),
            },
        )
    if outcome.locked_until is not None:
        return _locked_error(outcome.locked_until)
    return error


def _credentials_check(
    *, request: HttpRequest, username: str, password: str, via: str
) -> tuple[User, SecurityPolicy]:
    """The lock first (a locked account is refused even with the right password),
    then the password; every failure is counted and audited."""
    policy = security_policy_get()
    until = lockout_active_until(username)
    if until is not None:
        raise _refuse_locked(request=request, username=username, until=until, via=via)
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise _login_failure(
            request=request,
            username=username,
            policy=policy,
            via=via,
            stage="password",
            error=_bad_credentials(),
        )
    until = lockout_active_until(username)  # locked by a parallel attempt meanwhile
    if until is not None:
        raise _refuse_locked(request=request, username=username, until=until, via=via)
    return user, policy


def _second_factor_needed(user: User, policy: SecurityPolicy) -> bool:
    return totp_required_for(user, policy) or totp_device_confirmed(user) is not None


def _login_complete(
    *, request: HttpRequest, user: User, policy: SecurityPolicy, second_factor: bool
) -> None:
    request.session.pop(LOGIN_PENDING_KEY, None)
    login(request, user)  # a new session key; the session record is made on login
    # Django's own expiry is a backstop an hour past the absolute limit, which the
    # session check enforces (and records) itself.
    request.session.set_expiry((policy.session_absolute_hours + 1) * 3600)
    login_failures_clear(username=user.username)
    audit_record(
        event="login.success",
        actor=user,
        request=request,
        data={"via": "page", "second_factor": second_factor},
    )


def login_attempt(*, request: HttpRequest, username: str, password: str) -> str:
    """Check a password login. Without a second factor the session starts now
    (LoginStep.DONE); otherwise the password is remembered as checked for a few
    minutes and the code is asked next (LoginStep.SECOND_FACTOR)."""
    user, policy = _credentials_check(
        request=request, username=username, password=password, via="page"
    )
    if _second_factor_needed(user, policy):
        request.session[LOGIN_PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": timezone.now().isoformat(),
        }
        return LoginStep.SECOND_FACTOR
    _login_complete(request=request, user=user, policy=policy, second_factor=False)
    return LoginStep.DONE


def login_pending_user(request: HttpRequest) -> User | None:
    """The person whose password was checked but whose code is still to come."""
    pending = request.session.get(LOGIN_PENDING_KEY)
    if not pending:
        return None
    try:
        started = dt.datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - started > LOGIN_PENDING_MAX:
        request.session.pop(LOGIN_PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is not None:
        user.backend = pending.get("backend", "")
    return user


def _pending_or_expired(request: HttpRequest) -> User:
    user = login_pending_user(request)
    if user is None:
        raise DomainError(
            _("登录已超时，请重新输入用户名和密码。"),
            field=None,
            code="login_expired",
        )
    return user


def _second_factor_check(
    *,
    request: HttpRequest,
    user: User,
    code_ok: Callable[[], bool],
    via: str,
) -> SecurityPolicy:
    """The lock first, then the code (``code_ok``); a wrong code counts as a failed
    login and the fifth locks the account like a wrong password."""
    policy = security_policy_get()
    until = lockout_active_until(user.username)
    if until is not None:
        request.session.pop(LOGIN_PENDING_KEY, None)
        raise _refuse_locked(
            request=request, username=user.username, until=until, via=via
        )
    if not code_ok():
        error = _login_failure(
            request=request,
            username=user.username,
            policy=policy,
            via=via,
            stage="totp",
            error=DomainError(
                _("动态码不正确或已使用过，请输入验证器上当前显示的 6 位数字。"),
                field="code" if via == "page" else "otp",
                code="bad_otp",
            ),
        )
        if error.code == "account_locked":
            request.session.pop(LOGIN_PENDING_KEY, None)
        raise error
    return policy


def login_second_factor(*, request: HttpRequest, code: str) -> User:
    """The second step of a login: the code from the person's authenticator."""
    user = _pending_or_expired(request)
    device = totp_device_confirmed(user)
    if device is None:
        raise DomainError(_("请先设置双因素认证。"), code="enrolment_required")
    policy = _second_factor_check(
        request=request,
        user=user,
        code_ok=lambda: totp_code_accept(device=device, code=code),
        via="page",
    )
    _login_complete(request=request, user=user, policy=policy, second_factor=True)
    return user


def login_enrolment_needed(request: HttpRequest) -> bool:
    """The person logging in must set up the second factor first: a role of
    theirs requires it and they have none."""
    user = login_pending_user(request)
    return (
        user is not None
        and totp_device_confirmed(user) is None
        and totp_required_for(user, security_policy_get())
    )


@transaction.atomic
def login_enrolment_confirm(*, request: HttpRequest, code: str) -> User:
    """Set up the second factor during a login that requires it, then log in."""
    user = _pending_or_expired(request)
    secret = request.session.get(ENROLMENT_SECRET_KEY)
    if not login_enrolment_needed(request) or not secret:
        raise DomainError(_("无需设置双因素认证。"), code="not_required")
    policy = _second_factor_check(
        request=request,
        user=user,
        code_ok=lambda: (
            totp_device_confirm(user=user, secret=secret, code=code) is not None
        ),
        via="page",
    )
    request.session.pop(ENROLMENT_SECRET_KEY, None)
    audit_record(event="totp.enable", actor=user, request=request, obj=user)
    _login_complete(request=request, user=user, policy=policy, second_factor=True)
    return user


def logout_perform(*, request: HttpRequest) -> None:
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        user_sessions_end(
            sessions=UserSession.objects.filter(
                session_key=request.session.session_key or "", ended_at__isnull=True
            ),
            reason=UserSession.EndReason.LOGOUT,
        )
        audit_record(event="logout", actor=user, request=request)
    logout(request)


# --- second factor, managed by its owner and by the security administrator ---------


@transaction.atomic
def totp_enable(*, request: HttpRequest, code: str) -> TotpDevice:
    """Confirm the authenticator the person is setting up on their profile."""
    user = request.user
    if totp_device_confirmed(user) is not None:
        raise DomainError(_("双因素认证已经启用。"), field="code", code="enabled")
    secret = request.session.get(ENROLMENT_SECRET_KEY)
    device = (
        totp_device_confirm(user=user, secret=secret, code=code) if secret else None
    )
    if device is None:
        raise DomainError(
            _("动态码不正确，请输入验证器上当前显示的 6 位数字。"),
            field="code",
            code="bad_otp",
        )
    request.session.pop(ENROLMENT_SECRET_KEY, None)
    audit_record(event="totp.enable", actor=user, request=request, obj=user)
    return device


@transaction.atomic
def totp_disable(*, request: HttpRequest, code: str) -> None:
    """Turn one's own second factor off (with a current code), unless a role of
    theirs requires it."""
    user = request.user
    if totp_required_for(user, security_policy_get()):
        raise DomainError(
            _("您的角色必须使用双因素认证，不能停用。"), field="code", code="required"
        )
    device = totp_device_confirmed(user)
    if device is None:
        raise DomainError(_("双因素认证尚未启用。"), field="code", code="disabled")
    if not totp_code_accept(device=device, code=code):
        raise DomainError(
            _("动态码不正确，请输入验证器上当前显示的 6 位数字。"),
            field="code",
            code="bad_otp",
        )
    TotpDevice.objects.filter(user=user).delete()
    audit_record(event="totp.disable", actor=user, request=request, obj=user)


@transaction.atomic
def totp_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """The security administrator removes a lost authenticator: the person's
    sessions end, and the next login sets up a new one where a role requires it."""
    if not can_manage_security(actor):
        raise PermissionDenied
    deleted, _rows = TotpDevice.objects.filter(user=user).delete()
    if not deleted:
        raise DomainError(_("此用户没有启用双因素认证。"), code="disabled")
    user_sessions_end_all(user=user, reason=UserSession.EndReason.SECOND_FACTOR)
    audit_record(event="totp.reset", actor=actor, request=request, obj=user)


# --- lockouts and sessions, for the security administrator -------------------------


@transaction.atomic
def login_lockout_clear(
    *, actor: User, lockout: LoginLockout, request: HttpRequest | None = None
) -> None:
    """Unlock a username before its lock runs out; audited."""
    if not can_manage_security(actor):
        raise PermissionDenied
    LoginLockout.objects.filter(pk=lockout.pk).update(
        failure_count=0, locked_until=None
    )
    audit_record(
        event="login.unlock",
        actor=actor,
        request=request,
        username=lockout.username,
        data={"username": lockout.username},
    )


@transaction.atomic
def user_sessions_revoke_all(
    *, actor: User, user: User, request: HttpRequest | None = None
) -> int:
    """The security administrator ends every session of a person; audited."""
    if not can_manage_security(actor):
        raise PermissionDenied
    ended = user_sessions_end_all(user=user, reason=UserSession.EndReason.REVOKED)
    audit_record(
        event="session.revoke",
        actor=actor,
        request=request,
        obj=user,
        data={"sessions": ended},
    )
    return ended


def login_sessions_housekeep(*, now: dt.datetime) -> dict[str, int]:
    """Hourly: end sessions nobody came back to, delete expired Django sessions,
    and forget failure counts a day old that hold no lock."""
    from importlib import import_module

    ended = user_sessions_sweep(policy=security_policy_get(), now=now)
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    pruned = lockouts_prune(older_than=now - dt.timedelta(days=1))
    return {"sessions_ended": ended, "lockouts_pruned": pruned}


def user_session_revoke(
    *, actor: User, session: UserSession, request: HttpRequest | None = None
) -> None:
    """End a session: one's own (from "my sessions"), or anyone's for the security
    administrator."""
    if session.user_id != actor.pk and not can_manage_security(actor):
        raise PermissionDenied
    if user_sessions_end(sessions=[session], reason=UserSession.EndReason.REVOKED):
        audit_record(
            event="session.revoke",
            actor=actor,
            request=request,
            obj=session.user,
            data={"session": session.pk, "ip": session.ip},
        )


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


def api_token_login(
    *, request: HttpRequest, username: str, password: str, otp: str | None = None
) -> tuple[str, ApiToken]:
    """Exchange a username and password (and the code, where the person has a
    second factor) for a token (POST /api/v1/auth/token). The same lockout as
    the login page."""
    user, policy = _credentials_check(
        request=request, username=username, password=password, via="api"
    )
    if password_expired(user, policy):
        raise DomainError(
            _("密码已过期，请先登录网页修改密码。"),
            field="password",
            code="password_expired",
        )
    device = totp_device_confirmed(user)
    if device is None and totp_required_for(user, policy):
        raise DomainError(
            _("您的角色必须使用双因素认证，请先登录网页完成设置。"),
            field="otp",
            code="otp_enrolment_required",
        )
    if device is not None:
        if not otp:
            raise DomainError(
                _("请填写双因素认证动态码。"), field="otp", code="otp_required"
            )
        _second_factor_check(
            request=request,
            user=user,
            code_ok=lambda: totp_code_accept(device=device, code=otp),
            via="api",
        )
    login_failures_clear(username=username)
    audit_record(
        event="login.success",
        actor=user,
        request=request,
        data={"via": "api", "second_factor": device is not None},
    )
    return api_token_issue(user=user, name="api", request=request)


def api_token_authenticate(key: str) -> tuple[User, ApiToken] | None:
    """The live token for ``key`` and its active user, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
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
