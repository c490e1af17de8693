"""People of the company: departments, users (staff), and their API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Department(TimeStampedModel):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    dispatcher = models.ForeignKey(
        "accounts.User",
        verbose_name=_("调度员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatching_departments",
        help_text=_("转交给本部门的工单由此人接收。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["sort_order", "code"]
        permissions = [("manage_departments", _("管理部门"))]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Customers have no account (they use tokened links)."""

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # When the person last chose their own password; None after an administrator
    # set it (under the MLPS policy such a password must be changed at next login).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("manage_users", _("管理用户和角色分配")),
            ("view_roles", _("查看角色与权限")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash of it is stored."""

    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=64, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=12)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SecurityPolicy(models.Model):
    """The one row of login, password, session and audit-retention rules that the
    security administrator edits (defaults: DESIGN "Reliability and security")."""

    SINGLETON = 1
    MIN_AUDIT_RETENTION_DAYS = 183  # six months (Cybersecurity Law, art. 21)

    class PasswordProfile(models.TextChoices):
        DEFAULT = "default", _("基本")
        MLPS = "mlps", _("等级保护")

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    password_profile = models.CharField(
        _("密码策略"),
        max_length=16,
        choices=PasswordProfile,
        default=PasswordProfile.DEFAULT,
    )
    password_min_length = models.PositiveSmallIntegerField(_("密码最短长度"), default=8)
    password_expiry_days = models.PositiveSmallIntegerField(
        _("密码有效天数"), default=90
    )
    password_history = models.PositiveSmallIntegerField(
        _("不得重复使用最近几次密码"), default=5
    )
    lockout_threshold = models.PositiveSmallIntegerField(
        _("连续失败几次锁定"), default=5
    )
    lockout_minutes = models.PositiveSmallIntegerField(_("锁定分钟数"), default=10)
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("空闲多少分钟后退出"), default=30
    )
    session_absolute_hours = models.PositiveSmallIntegerField(
        _("会话最长小时数"), default=12
    )
    token_days = models.PositiveSmallIntegerField(_("API 令牌有效天数"), default=30)
    totp_required_roles = models.JSONField(
        _("必须使用双因素认证的角色"), default=list, blank=True
    )
    audit_retention_days = models.PositiveSmallIntegerField(
        _("审计日志保留天数"), default=MIN_AUDIT_RETENTION_DAYS
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="security_policy_singleton"
            ),
            models.CheckConstraint(
                condition=models.Q(audit_retention_days__gte=183),
                name="security_policy_audit_retention_min",
            ),
        ]
        permissions = [
            ("manage_security", _("管理安全策略、账户锁定、会话和双因素认证")),
            ("view_security_policy", _("查看安全策略")),
        ]

    def __str__(self) -> str:
        return str(_("安全策略"))

    @property
    def is_mlps(self) -> bool:
        return self.password_profile == self.PasswordProfile.MLPS


class LoginLockout(models.Model):
    """Consecutive failed logins of one username (known or not), and its lock.

    Counted in the database with one atomic UPDATE per failure, so that parallel
    attempts from many processes lock the account too."""

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    failure_count = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败"), null=True, blank=True)
    last_failure_ip = models.GenericIPAddressField(
        _("最近失败 IP"), null=True, blank=True
    )
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["last_failure_at", "id"]),
            models.Index(fields=["locked_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} ×{self.failure_count}"


class UserSession(models.Model):
    """One browser login: which session, from where, since when, last seen when.

    The idle and absolute limits, "my sessions" and revocation work on these rows;
    ending one also deletes the Django session behind it."""

    class EndReason(models.TextChoices):
        LOGOUT = "logout", _("退出登录")
        IDLE = "idle", _("空闲超时")
        ABSOLUTE = "absolute", _("超过最长时限")
        REVOKED = "revoked", _("被吊销")
        DEACTIVATED = "deactivated", _("账户停用")
        PASSWORD = "password", _("密码变更")
        SECOND_FACTOR = "second_factor", _("双因素认证重置")

    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="login_sessions",
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登录时间"))
    last_seen_at = models.DateTimeField(_("最近活动"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=16, choices=EndReason, blank=True
    )

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        indexes = [
            models.Index(fields=["user", "ended_at"]),
            models.Index(fields=["ended_at", "last_seen_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip or '-'}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class TotpDevice(models.Model):
    """A person's authenticator app (RFC 6238 TOTP). Unconfirmed until the first
    code is entered; ``last_step`` refuses a code that was already used."""

    user = models.OneToOneField(
        User,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="totp_device",
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("双因素认证设备")
        verbose_name_plural = _("双因素认证设备")

    def __str__(self) -> str:
        return f"TOTP {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class PasswordHistory(models.Model):
    """Hashes of a person's recent passwords, so that MLPS can refuse reuse."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"
