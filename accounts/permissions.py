"""Who may do what. Rules decide by role and relation; Django's ``is_superuser`` is
ignored on purpose, so that system, security and audit administration stay apart."""

from __future__ import annotations

from typing import Any

from accounts.roles import ROLE_PRECEDENCE, Role

# What each role is granted in this app ("app_label.codename").
ROLE_GRANTS: dict[str, list[str]] = {
    Role.SYSTEM_ADMIN: [
        "accounts.manage_users",
        "accounts.manage_departments",
        "accounts.view_roles",
    ],
    Role.SECURITY_ADMIN: [
        "accounts.view_roles",
        "accounts.manage_security",
        "accounts.view_security_policy",
    ],
    Role.AUDITOR: [
        "accounts.view_roles",
        "accounts.view_security_policy",
        "core.view_audit_log",
    ],
}


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _grants_load(user: Any) -> None:
    """The user's roles and the capabilities they grant, in one query, cached on
    the user for the request."""
    rows = user.groups.values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    roles, capabilities = set(), set()
    for name, app, code in rows:
        roles.add(name)
        if code is not None:
            capabilities.add(f"{app}.{code}")
    user._kefu_roles = frozenset(roles)
    user._kefu_capabilities = frozenset(capabilities)


def user_roles(user: Any) -> frozenset[str]:
    """The role codes a user holds (one query per request, then cached on the user)."""
    if not _active(user):
        return frozenset()
    if getattr(user, "_kefu_roles", None) is None:
        _grants_load(user)
    return user._kefu_roles


def user_capabilities(user: Any) -> frozenset[str]:
    """Every "app_label.codename" granted through the user's roles; never superuser."""
    if not _active(user):
        return frozenset()
    if getattr(user, "_kefu_capabilities", None) is None:
        _grants_load(user)
    return user._kefu_capabilities


def has_role(user: Any, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def has_capability(user: Any, capability: str) -> bool:
    return capability in user_capabilities(user)


def primary_role(user: Any) -> Role | None:
    held = user_roles(user)
    for role in ROLE_PRECEDENCE:
        if role.value in held:
            return role
    return None


def can_manage_users(user: Any) -> bool:
    return has_capability(user, "accounts.manage_users")


def can_manage_departments(user: Any) -> bool:
    return has_capability(user, "accounts.manage_departments")


def can_view_roles(user: Any) -> bool:
    return has_capability(user, "accounts.view_roles")


def can_view_audit_log(user: Any) -> bool:
    return has_capability(user, "core.view_audit_log")


def can_manage_security(user: Any) -> bool:
    """Policy, lockouts, sessions and second factors: the security administrator."""
    return has_capability(user, "accounts.manage_security")


def can_view_security_policy(user: Any) -> bool:
    """The security administrator, and the auditor (read only)."""
    return has_capability(user, "accounts.view_security_policy")
