"""Shared by the tests of login security (and of the security and audit apps)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pyotp

from accounts.models import TotpDevice


@contextmanager
def clock_at(moment: dt.datetime):
    """Move the clock that the app reads (django.utils.timezone.now)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def login_post(client, username: str, password: str = "kefu-demo", **extra):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, **extra
    )


def secret_code(secret: str, *, step: int = 0) -> str:
    """The code for ``secret`` now (by the app's clock), or ``step`` periods of
    30 s later (one step ahead is still accepted: clock drift)."""
    from django.utils import timezone

    totp = pyotp.TOTP(secret.replace(" ", ""))
    return totp.generate_otp(totp.timecode(timezone.now()) + step)


def totp_code(user, *, step: int = 0) -> str:
    """The code of the user's authenticator."""
    return secret_code(TotpDevice.objects.get(user=user).secret, step=step)


def totp_enrol(user) -> TotpDevice:
    """A confirmed authenticator for ``user`` (as if set up on the profile)."""
    device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32(32))
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=dt.datetime.now(dt.UTC))
    device.refresh_from_db()
    return device
