"""The audit log's hash chain (the rows themselves are core.AuditEvent).

A periodic job seals new audit rows in id order: each seal holds an HMAC-SHA256
over the row and the previous seal's digest. Editing, deleting or slipping in a
row breaks the chain from there on, which ``manage.py audit_verify`` reports. The
rows stay as they were written: the digests live in their own append-only table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet

GENESIS = "0" * 64


class AuditSeal(models.Model):
    """One link of the chain; ``seq`` is the chain's order."""

    seq = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)
    event_occurred_at = models.DateTimeField()
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")

    def __str__(self) -> str:
        return f"#{self.seq} → {self.event_id}"


class AuditChainHead(models.Model):
    """Where the chain ends (the next seal's previous digest) and, after the
    retention job removed its oldest links, where it now starts."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_digest = models.CharField(max_length=64, default=GENESIS)
    last_event_id = models.BigIntegerField(default=0)
    sealed_at = models.DateTimeField(null=True, blank=True)
    anchor_seq = models.BigIntegerField(default=0)
    anchor_digest = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="audit_head_singleton"
            )
        ]

    def __str__(self) -> str:
        return f"chain through #{self.last_seq}"


class AuditVerifyRun(models.Model):
    """One check of the whole chain: asked for by an auditor, or run nightly."""

    class Problem(models.TextChoices):
        CHANGED = "changed", _("记录在封存后被修改")
        MISSING = "missing", _("记录被删除")
        LINK = "link", _("链条断开（封存记录被删除或插入）")
        ANCHOR = "anchor", _("链条起点与保留期清理记录不符")
        UNSEALED = "unsealed", _("已封存范围内出现未封存的记录")
        HEAD = "head", _("链条末端与登记的末端不符")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    is_intact = models.BooleanField(_("完好"), null=True)
    checked = models.BigIntegerField(_("已校验条数"), default=0)
    problem = models.CharField(_("问题"), max_length=16, choices=Problem, blank=True)
    broken_seq = models.BigIntegerField(_("断点序号"), null=True, blank=True)
    broken_event_id = models.BigIntegerField(_("断点记录"), null=True, blank=True)
    unsealed = models.BigIntegerField(_("待封存条数"), default=0)

    class Meta:
        verbose_name = _("审计链校验")
        verbose_name_plural = _("审计链校验")
        indexes = [models.Index(fields=["-requested_at"])]

    def __str__(self) -> str:
        return f"verify {self.requested_at:%Y-%m-%d %H:%M}"
