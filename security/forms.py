"""The security administrator's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SecurityPolicy
from accounts.policy import POLICY_LIMITS
from accounts.roles import Role


def _number(label, field: str, help_text=""):
    low, high = POLICY_LIMITS[field]
    return forms.IntegerField(
        label=label, min_value=low, max_value=high, help_text=help_text
    )


class PolicyForm(forms.Form):
    password_profile = forms.ChoiceField(
        label=_("密码策略"),
        choices=SecurityPolicy.PasswordProfile.choices,
        help_text=_(
            "基本：长度达标、不是常见密码、不含用户名。等级保护：另需包含大写字母、小写字母、数字和其他符号中的至少三类，定期更换，不得重复使用最近几次的密码。"
        ),
    )
    password_min_length = _number(_("密码最短长度"), "password_min_length")
    password_expiry_days = _number(
        _("密码有效天数（等级保护）"), "password_expiry_days"
    )
    password_history = _number(
        _("不得重复使用最近几次密码（等级保护）"), "password_history"
    )
    lockout_threshold = _number(_("连续失败几次锁定"), "lockout_threshold")
    lockout_minutes = _number(_("锁定分钟数"), "lockout_minutes")
    session_idle_minutes = _number(_("空闲多少分钟后退出"), "session_idle_minutes")
    session_absolute_hours = _number(_("会话最长小时数"), "session_absolute_hours")
    token_days = _number(_("API 令牌有效天数"), "token_days")
    audit_retention_days = _number(
        _("审计日志保留天数"),
        "audit_retention_days",
        _("不少于 183 天（六个月）。"),
    )
    totp_required_roles = forms.MultipleChoiceField(
        label=_("必须使用双因素认证的角色"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UsernameFilterForm(forms.Form):
    q = forms.CharField(label=_("用户名"), required=False, max_length=150)
