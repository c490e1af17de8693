"""Keeping the archive current (动态管理): duplicate candidates found by the
nightly job, and the record of every merge."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet


class DuplicateCandidate(models.Model):
    """Two live customers that look like one: similar names and the same phone
    (the same credit code cannot happen: the archive refuses a second live
    customer with a code already in use). A person merges them or says they are
    not the same."""

    class Reason(models.TextChoices):
        PHONE_NAME = "phone_name", _("名称相近且电话相同")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        MERGED = "merged", _("已合并")
        DISMISSED = "dismissed", _("不是重复")

    first = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户甲"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    second = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户乙"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("依据"), max_length=16, choices=Reason)
    shared = models.CharField(_("相同的电话"), max_length=32, blank=True)
    similarity = models.PositiveSmallIntegerField(_("名称相似度（%）"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status, default=Status.OPEN
    )
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("疑似重复客户")
        verbose_name_plural = _("疑似重复客户")
        indexes = [
            models.Index(
                fields=["found_at", "id"],
                condition=Q(status="open"),
                name="duplicate_open",
            ),
            models.Index(fields=["second", "status"], name="duplicate_second"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second"], name="duplicate_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="duplicate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"


class CustomerMerge(models.Model):
    """One duplicate folded into the customer that stays: what moved (by id, so
    that it can be traced and undone by hand), which empty fields were filled, who
    and why. The merged record stays in the database, soft-deleted, pointing at
    the survivor. Append-only."""

    survivor = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("保留的客户"),
        on_delete=models.PROTECT,
        related_name="merges",
    )
    merged = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("被合并的客户"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_name = models.CharField(_("被合并客户名称"), max_length=200)
    reason = models.TextField(_("原因"))
    moved = models.JSONField(_("转移的记录"), default=dict)
    filled = models.JSONField(_("补全的字段"), default=list)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户合并记录")
        verbose_name_plural = _("客户合并记录")
        indexes = [
            models.Index(fields=["performed_at", "id"], name="merge_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.survivor_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("merge records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("merge records cannot be deleted")

    @property
    def moved_counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in self.moved.items() if ids}
