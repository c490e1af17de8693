"""The second factor: time-based one-time codes (RFC 6238, pyotp) from an
authenticator app. Enrolment shows the secret, its otpauth URI and a QR code drawn
on the server (segno); no outside service is involved."""

from __future__ import annotations

import hmac
from typing import Any

import pyotp
import segno
from django.utils import timezone

from accounts.models import SecurityPolicy, TotpDevice, User
from accounts.permissions import user_roles

ISSUER = "Kefu"
CODE_LENGTH = 6


def totp_required_for(user: Any, policy: SecurityPolicy) -> bool:
    """The policy makes the second factor compulsory for one of the user's roles."""
    return bool(user_roles(user) & set(policy.totp_required_roles))


def totp_device_confirmed(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def totp_device_pending(user: User) -> TotpDevice:
    """The user's unconfirmed device, made with a fresh secret when there is none."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32(32))
    return device


def totp_provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.username, issuer_name=ISSUER
    )


def totp_qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG data URI for an <img>."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def totp_secret_display(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_code_accept(*, device: TotpDevice, code: str) -> bool:
    """True when ``code`` is the current code (or one step either side, for clock
    drift) and newer than the last accepted one; a code is accepted only once."""
    code = "".join(code.split())
    if len(code) != CODE_LENGTH or not code.isdigit():
        return False
    totp = pyotp.TOTP(device.secret)
    now_step = totp.timecode(timezone.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > device.last_step and hmac.compare_digest(
            totp.generate_otp(step), code
        ):
            # The conditional UPDATE makes a replay in parallel fail too.
            accepted = TotpDevice.objects.filter(
                pk=device.pk, last_step__lt=step
            ).update(last_step=step)
            if accepted:
                device.last_step = step
                return True
    return False
