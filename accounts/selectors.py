"""Reads about people: user and department lists, roles with their permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import ApiToken, Department, User, UserSession
from accounts.roles import Role


def user_list(
    *, q: str = "", department: str = "", role: str = "", active: str = ""
) -> QuerySet[User]:
    qs = User.objects.select_related("department").prefetch_related(
        Prefetch("groups", queryset=Group.objects.only("name"))
    )
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(phone__endswith=q)
        )
    if department:
        qs = qs.filter(department__code=department)
    if role:
        qs = qs.filter(groups__name=role)
    if active in {"1", "0"}:
        qs = qs.filter(is_active=active == "1")
    return qs


def department_list() -> QuerySet[Department]:
    return Department.objects.select_related("dispatcher").annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    )


def department_members(department: Department) -> QuerySet[User]:
    return department.members.filter(is_active=True).order_by("username")


def role_list() -> list[dict]:
    """Each role with its description, permissions and number of active members."""
    from accounts.roles import ROLE_DESCRIPTIONS

    groups = {
        g.name: g
        for g in Group.objects.prefetch_related("permissions__content_type").annotate(
            member_count=Count("user", filter=Q(user__is_active=True))
        )
    }
    rows = []
    for role in Role:
        group = groups.get(role.value)
        rows.append(
            {
                "code": role.value,
                "label": role.label,
                "description": ROLE_DESCRIPTIONS[role],
                "permissions": list(group.permissions.all()) if group else [],
                "member_count": group.member_count if group else 0,
            }
        )
    return rows


def api_token_list_for(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def user_session_list_for(user: User) -> QuerySet[UserSession]:
    """The person's open browser sessions, most recently active first."""
    return UserSession.objects.filter(user=user, ended_at__isnull=True).order_by(
        "-last_seen_at", "-id"
    )
