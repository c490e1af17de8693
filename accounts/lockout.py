"""Failed-login counting and account lockout, kept in the database.

Every failure is one atomic UPDATE of the username's row (a row lock on
PostgreSQL, the write lock on SQLite), so that parallel attempts — from threads,
processes or app nodes — are all counted and lock the account at the threshold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LoginLockout, SecurityPolicy, User
from accounts.permissions import can_manage_security
from core.audit import audit_record


def username_key(username: str) -> str:
    """Failures of "Agent" and "agent" count together."""
    return username.strip().lower()[:150]


@dataclass(frozen=True)
class FailureOutcome:
    failures: int
    locked_until: dt.datetime | None
    just_locked: bool


def lockout_active_until(username: str) -> dt.datetime | None:
    """The end of the username's lock, or None when it may try to log in."""
    until = (
        LoginLockout.objects.filter(username=username_key(username))
        .values_list("locked_until", flat=True)
        .first()
    )
    if until is not None and until > timezone.now():
        return until
    return None


@transaction.atomic
def login_failure_register(
    *, username: str, ip: str | None, policy: SecurityPolicy
) -> FailureOutcome:
    """Count one failed attempt; lock the username when it reaches the threshold.

    Failures older than the lock duration, or from before an expired lock, start
    the count again. The attempt that reaches the threshold is the one told
    ``just_locked`` (exactly one, however many run at once)."""
    key = username_key(username)
    now = timezone.now()
    duration = dt.timedelta(minutes=policy.lockout_minutes)
    LoginLockout.objects.get_or_create(username=key)
    stale = Q(locked_until__isnull=False, locked_until__lte=now) | Q(
        last_failure_at__lt=now - duration
    )
    LoginLockout.objects.filter(username=key).update(
        failure_count=Case(When(stale, then=Value(1)), default=F("failure_count") + 1),
        locked_until=Case(
            When(locked_until__gt=now, then=F("locked_until")),
            When(stale, then=Value(None)),
            When(
                failure_count__gte=policy.lockout_threshold - 1,
                then=Value(now + duration),
            ),
            default=Value(None),
        ),
        last_failure_at=now,
        last_failure_ip=ip,
    )
    row = LoginLockout.objects.get(username=key)
    locked = row.locked_until if row.locked_until and row.locked_until > now else None
    return FailureOutcome(
        failures=row.failure_count,
        locked_until=locked,
        just_locked=locked is not None
        and row.failure_count == policy.lockout_threshold,
    )


def login_failures_clear(*, username: str) -> None:
    """A successful login starts the count again."""
    LoginLockout.objects.filter(username=username_key(username)).update(
        failure_count=0, locked_until=None
    )


def lockouts_prune(*, older_than: dt.datetime) -> int:
    """Forget rows with no lock whose last failure is old (kept small for the page)."""
    deleted, _rows = (
        LoginLockout.objects.filter(last_failure_at__lt=older_than)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=older_than))
        .delete()
    )
    return deleted


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
