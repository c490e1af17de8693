"""Login sessions: a record per browser login, the idle and absolute limits, and
ending sessions (logout, revocation, deactivation, password change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.lockout import lockouts_prune
from accounts.models import SecurityPolicy, User, UserSession
from accounts.permissions import can_manage_security
from accounts.policy import security_policy_get
from core.audit import audit_record, client_ip

# last_seen_at is written at most this often (not on every request: on SQLite each
# write takes the database's write lock). The idle limit allows for it, so a session
# idle for the limit plus this is always gone, one idle for the limit never.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def user_session_start(*, request: HttpRequest, user: User) -> UserSession | None:
    """Record the session that ``login()`` just started (its key is new)."""
    session = getattr(request, "session", None)
    if session is None or not hasattr(session, "save"):
        return None
    if not session.session_key:
        # login() flushed the session of a previous user: give the new one its key.
        session.save()
    key = session.session_key
    now = timezone.now()
    record, _created = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "created_at": now,
            "last_seen_at": now,
            "ended_at": None,
            "end_reason": "",
        },
    )
    return record


def user_session_expiry(
    record: UserSession, policy: SecurityPolicy, now: dt.datetime
) -> str | None:
    """Why the session must end now (idle or absolute limit), or None."""
    if now - record.created_at >= dt.timedelta(hours=policy.session_absolute_hours):
        return UserSession.EndReason.ABSOLUTE
    idle = dt.timedelta(minutes=policy.session_idle_minutes) + TOUCH_INTERVAL
    if now - record.last_seen_at >= idle:
        return UserSession.EndReason.IDLE
    return None


def user_session_touch(record: UserSession, now: dt.datetime) -> None:
    if now - record.last_seen_at >= TOUCH_INTERVAL:
        UserSession.objects.filter(pk=record.pk).update(last_seen_at=now)
        record.last_seen_at = now


def user_sessions_end(
    *, sessions: Iterable[UserSession], reason: str, now: dt.datetime | None = None
) -> int:
    """End these sessions: the records are closed and the Django sessions deleted,
    so that their cookies no longer log anyone in."""
    now = now or timezone.now()
    store = _session_store()
    ended = 0
    for record in sessions:
        if record.ended_at is not None:
            continue
        store(session_key=record.session_key).delete()
        ended += UserSession.objects.filter(pk=record.pk, ended_at__isnull=True).update(
            ended_at=now, end_reason=reason
        )
    return ended


def user_sessions_end_all(
    *, user: User, reason: str, except_key: str | None = None
) -> int:
    """End every open session of ``user`` (but the one with ``except_key``)."""
    sessions = UserSession.objects.filter(user=user, ended_at__isnull=True)
    if except_key:
        sessions = sessions.exclude(session_key=except_key)
    return user_sessions_end(sessions=list(sessions), reason=reason)


def user_sessions_sweep(*, policy: SecurityPolicy, now: dt.datetime) -> int:
    """Close the records of sessions past their limits (nobody came back to them)."""
    idle_since = (
        now - dt.timedelta(minutes=policy.session_idle_minutes) - TOUCH_INTERVAL
    )
    started_before = now - dt.timedelta(hours=policy.session_absolute_hours)
    ended = 0
    for reason, stale in (
        (UserSession.EndReason.ABSOLUTE, {"created_at__lte": started_before}),
        (UserSession.EndReason.IDLE, {"last_seen_at__lte": idle_since}),
    ):
        open_and_stale = UserSession.objects.filter(ended_at__isnull=True, **stale)
        while batch := list(open_and_stale.order_by("id")[:500]):
            ended += user_sessions_end(sessions=batch, reason=reason, now=now)
    return ended


def user_session_check(request: HttpRequest) -> tuple[str | None, SecurityPolicy]:
    """For a request of a logged-in browser session: the reason it must end now
    (idle, absolute limit, or no open record — ended elsewhere), or None; with the
    policy read for it. Records activity (at most once a minute)."""
    policy = security_policy_get()
    now = timezone.now()
    # The key is unique: no ordering to compile (this runs on every request).
    found = list(
        UserSession.objects.filter(
            session_key=request.session.session_key or "", ended_at__isnull=True
        )[:1]
    )
    record = found[0] if found else None
    if record is None or record.user_id != request.user.pk:
        return UserSession.EndReason.REVOKED, policy
    reason = user_session_expiry(record, policy, now)
    if reason is not None:
        user_sessions_end(sessions=[record], reason=reason, now=now)
        audit_record(
            event="session.expire",
            request=request,
            data={"reason": reason, "since": record.created_at.isoformat()},
        )
        return reason, policy
    user_session_touch(record, now)
    return None, policy


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
    ended = user_sessions_sweep(policy=security_policy_get(), now=now)
    _session_store().clear_expired()
    pruned = lockouts_prune(older_than=now - dt.timedelta(days=1))
    return {"sessions_ended": ended, "lockouts_pruned": pruned}
