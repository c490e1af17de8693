"""What each role's home page shows, read in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Department, LoginLockout, User, UserSession
from accounts.policy import security_policy_get
from accounts.roles import Role
from core.models import AuditEvent
from notify.models import Notification


def home_notifications(*, user: Any, limit: int = 8) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]
    )


def home_recent_audit(*, limit: int = 15) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("-pk")[:limit])


def home_departments() -> list[Department]:
    return list(
        Department.objects.select_related("dispatcher").annotate(
            member_count=Count("members", filter=Q(members__is_active=True))
        )
    )


def home_role_counts() -> list[dict]:
    counts = {
        row["groups__name"]: row["n"]
        for row in User.objects.filter(is_active=True)
        .values("groups__name")
        .annotate(n=Count("pk"))
    }
    return [{"role": role, "count": counts.get(role.value, 0)} for role in Role]


def home_inactive_users(*, limit: int = 10) -> list[User]:
    return list(User.objects.filter(is_active=False).order_by("username")[:limit])


def home_security_overview() -> dict:
    """Locks in force, usernames that failed today, open sessions, the policy."""
    now = timezone.now()
    return {
        "locked": LoginLockout.objects.filter(locked_until__gt=now).count(),
        "failing": LoginLockout.objects.filter(
            last_failure_at__gte=now - dt.timedelta(days=1), failure_count__gt=0
        ).count(),
        "open_sessions": UserSession.objects.filter(ended_at__isnull=True).count(),
        "policy": security_policy_get(),
    }
