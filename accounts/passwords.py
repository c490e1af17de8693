"""Password rules from the security policy (a Django password validator), password
history for the MLPS "no reuse" rule, and expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PasswordHistory, SecurityPolicy, User
from accounts.policy import security_policy_get

# Long passphrases are welcome; the cap only keeps hashing cheap to refuse.
MAX_PASSWORD_LENGTH = 128
HISTORY_KEPT = 24


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits and other characters it uses
    (Chinese characters count as "other")."""
    kinds = set()
    for char in password:
        if "a" <= char <= "z":
            kinds.add("lower")
        elif "A" <= char <= "Z":
            kinds.add("upper")
        elif "0" <= char <= "9":
            kinds.add("digit")
        else:
            kinds.add("other")
    return len(kinds)


def password_reused(user: User, password: str, count: int) -> bool:
    """True when ``password`` is the current one or one of the last ``count``."""
    if user.pk is None:
        return False
    current = User.objects.filter(pk=user.pk).values_list("password", flat=True)
    hashes = list(current) + list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("password", flat=True)[:count]
    )
    return any(check_password(password, encoded) for encoded in dict.fromkeys(hashes))


class PolicyPasswordValidator:
    """Length, not the username, and under MLPS three character classes and no
    reuse of the last N passwords — as the security policy says today."""

    def validate(self, password: str, user: Any = None) -> None:
        policy = security_policy_get()
        errors = []
        if len(password) < policy.password_min_length:
            errors.append(
                ValidationError(
                    _("密码至少需要 %(min)s 个字符。")
                    % {"min": policy.password_min_length},
                    code="password_too_short",
                )
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            errors.append(
                ValidationError(
                    _("密码不能超过 %(max)s 个字符。") % {"max": MAX_PASSWORD_LENGTH},
                    code="password_too_long",
                )
            )
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            errors.append(
                ValidationError(
                    _("密码不能包含用户名。"), code="password_contains_username"
                )
            )
        if policy.is_mlps:
            if character_classes(password) < 3:
                errors.append(
                    ValidationError(
                        _(
                            "密码必须包含大写字母、小写字母、数字和其他符号中的至少三类。"
                        ),
                        code="password_classes",
                    )
                )
            if user is not None and password_reused(
                user, password, policy.password_history
            ):
                errors.append(
                    ValidationError(
                        _("不能使用最近 %(count)s 次用过的密码。")
                        % {"count": policy.password_history},
                        code="password_reused",
                    )
                )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        policy = security_policy_get()
        text = _("至少 %(min)s 个字符，不能是常见密码，不能包含用户名。") % {
            "min": policy.password_min_length
        }
        if policy.is_mlps:
            text += _(
                "须包含大写字母、小写字母、数字和其他符号中的至少三类，不能与最近 %(count)s 次的密码相同，每 %(days)s 天须更换。"
            ) % {"count": policy.password_history, "days": policy.password_expiry_days}
        return text


def password_history_record(user: User) -> None:
    """Remember the user's current password hash (the newest few are kept)."""
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:HISTORY_KEPT]
    )
    PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()


def password_expires_at(user: User, policy: SecurityPolicy) -> dt.datetime | None:
    """When the user's password must be changed; None when it never expires."""
    if not policy.is_mlps:
        return None
    if user.password_changed_at is None:
        return user.date_joined  # set by an administrator: change it at once
    return user.password_changed_at + dt.timedelta(days=policy.password_expiry_days)


def password_expired(user: User, policy: SecurityPolicy) -> bool:
    expires = password_expires_at(user, policy)
    return expires is not None and expires <= timezone.now()
