"""Shared model pieces: timestamps, soft delete, versions, the audit log, and the
bookkeeping rows of background work (worker heartbeat, periodic ticks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(
        _("创建时间"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Optimistic locking: every edit and action adds 1 (see core.versioning)."""

    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        abstract = True


class LiveManager(models.Manager):
    """Rows that are not soft-deleted."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeleteModel(models.Model):
    """Business records are never removed: they are marked deleted and audited."""

    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (the live manager stays the default)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("append-only table: rows cannot be updated")

    def delete(self):
        raise PermissionError("append-only table: rows cannot be deleted")


class AuditEvent(models.Model):
    """One row of the audit log: who, when, from where, what, on which object, result.

    Append-only: the ORM refuses updates and deletes. Rows are written unchained;
    a job links them in id order (issue: security and audit)."""

    class Result(models.TextChoices):
        OK = "ok", _("成功")
        DENIED = "denied", _("拒绝")
        FAILED = "failed", _("失败")

    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    event = models.CharField(_("事件"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    result = models.CharField(
        _("结果"), max_length=10, choices=Result, default=Result.OK
    )
    data = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["object_type", "object_id", "occurred_at"]),
        ]
        permissions = [("view_audit_log", _("查看和导出审计日志"))]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.event}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit rows cannot be deleted")


class WorkerHeartbeat(models.Model):
    """The background worker's last sign of life; /healthz reads it."""

    name = models.CharField(max_length=64, primary_key=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=128, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class PeriodicTick(models.Model):
    """One row per (task, tick): the first consumer to insert it runs the tick."""

    task = models.CharField(max_length=100)
    tick = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "tick"], name="periodic_tick_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} @ {self.tick:%Y-%m-%d %H:%M}"


class DemoRun(models.Model):
    """Marks that the demo company was built (manage.py kefu_demo)."""

    built_at = models.DateTimeField(default=timezone.now)
    seed = models.PositiveIntegerField()
    steps = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"demo {self.built_at:%Y-%m-%d %H:%M}"
