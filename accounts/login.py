"""Logging in: the lock, the password, the second factor and the session start,
on the login page and for the token endpoint alike; logging out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.lockout import (
    lockout_active_until,
    login_failure_register,
    login_failures_clear,
)
from accounts.models import ApiToken, SecurityPolicy, User, UserSession
from accounts.passwords import password_expired
from accounts.policy import security_policy_get
from accounts.services import api_token_issue
from accounts.sessions import user_sessions_end
from accounts.totp import (
    ENROLMENT_SECRET_KEY,
    totp_code_accept,
    totp_device_confirm,
    totp_device_confirmed,
    totp_required_for,
)
from core.audit import audit_record, client_ip
from core.errors import DomainError
from core.models import AuditEvent

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
