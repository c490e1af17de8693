"""What the security administrator's pages read: names and security state only,
no business data."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import LoginLockout, TotpDevice, User, UserSession


def lockout_list(*, locked_only: bool = False, q: str = "") -> QuerySet[LoginLockout]:
    """Usernames with recent failures (or a lock), newest failure first."""
    qs = LoginLockout.objects.filter(last_failure_at__isnull=False)
    if locked_only:
        qs = qs.filter(locked_until__gt=timezone.now())
    if q:
        qs = qs.filter(username=q.strip().lower())
    return qs


def session_list_active(*, q: str = "") -> QuerySet[UserSession]:
    qs = UserSession.objects.filter(ended_at__isnull=True).select_related("user")
    if q:
        qs = qs.filter(user__username=q.strip())
    return qs


def account_list(*, q: str = "") -> QuerySet[User]:
    """Staff accounts with their second-factor state and open sessions."""
    qs = (
        User.objects.select_related("department")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")))
        .annotate(
            has_totp=Exists(
                TotpDevice.objects.filter(
                    user=OuterRef("pk"), confirmed_at__isnull=False
                )
            ),
            open_sessions=Count(
                "login_sessions", filter=Q(login_sessions__ended_at__isnull=True)
            ),
        )
    )
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return qs
