"""The second factor: time-based one-time codes (RFC 6238, pyotp) from an
authenticator app. Enrolment shows the secret, its otpauth URI and a QR code drawn
on the server (segno); no outside service is involved. Until its first code is
entered, the secret being set up lives only in the (server-side) session."""

from __future__ import annotations

import hmac
from typing import Any

import pyotp
import segno
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SecurityPolicy, TotpDevice, User, UserSession
from accounts.permissions import can_manage_security, user_roles
from accounts.policy import security_policy_get
from accounts.sessions import user_sessions_end_all
from core.audit import audit_record
from core.errors import DomainError

ISSUER = "Kefu"
CODE_LENGTH = 6
ENROLMENT_SECRET_KEY = "kefu_totp_secret"


def totp_required_for(user: Any, policy: SecurityPolicy) -> bool:
    """The policy makes the second factor compulsory for one of the user's roles."""
    return bool(user_roles(user) & set(policy.totp_required_roles))


def totp_device_confirmed(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def totp_enrolment_secret(request: HttpRequest) -> str:
    """The secret this browser session is setting up (made on first use)."""
    secret = request.session.get(ENROLMENT_SECRET_KEY)
    if not secret:
        secret = pyotp.random_base32(32)
        request.session[ENROLMENT_SECRET_KEY] = secret
    return secret


def totp_provisioning_uri(*, secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG data URI for an <img>."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def totp_secret_display(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step whose code is ``code`` — now, or one step either side for
    clock drift — if it is later than ``after``."""
    code = "".join(code.split())
    if len(code) != CODE_LENGTH or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(timezone.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_code_accept(*, device: TotpDevice, code: str) -> bool:
    """True when ``code`` is current and newer than the last accepted one: a code
    is accepted only once, even by two requests at the same moment."""
    step = _matching_step(device.secret, code, after=device.last_step)
    if step is None:
        return False
    accepted = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
        last_step=step
    )
    if accepted:
        device.last_step = step
    return bool(accepted)


def totp_device_confirm(*, user: User, secret: str, code: str) -> TotpDevice | None:
    """The person's new authenticator, once its first code is right; else None."""
    step = _matching_step(secret, code, after=0)
    if step is None:
        return None
    TotpDevice.objects.filter(user=user).delete()
    return TotpDevice.objects.create(
        user=user, secret=secret, confirmed_at=timezone.now(), last_step=step
    )


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
