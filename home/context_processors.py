"""What every page of the shell needs: the sidebar, the bell, the languages."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.permissions import primary_role
from home.navigation import SYSTEM, WORK, modules_visible_to
from home.search import search_available
from notify.selectors import BELL_CAP, notification_unread_count


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    modules = modules_visible_to(user)
    current = getattr(request, "resolver_match", None)
    active_key = ""
    if current is not None:
        active_key = current.kwargs.get("key") or ""
        for module in modules:
            if module.is_active(current.view_name):
                active_key = module.key
    unread = notification_unread_count(user=user)
    role = primary_role(user)
    return {
        "nav_work": [m for m in modules if m.section == WORK],
        "nav_system": [m for m in modules if m.section == SYSTEM],
        "nav_active": active_key,
        "bell_unread": unread,
        "bell_overflow": unread > BELL_CAP,
        "primary_role": role,
        "header_search": search_available(user),
    }
