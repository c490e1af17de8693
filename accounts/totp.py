"""The second factor: time-based one-time codes (RFC 6238, pyotp) from an
authenticator app. Enrolment shows the secret, its otpauth URI and a QR code drawn
on the server (segno); no outside service is involved. Until its first code is
entered, the secret being set up lives only in the (server-side) session."""

from __future__ import annotations

import hmac
from typing import Any

import pyotp
import segno
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SecurityPolicy, TotpDevice, User
from accounts.permissions import user_roles

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
