"""The history of tiers: every confirmation or change, and every run of the rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet


class TierChange(models.Model):
    """Who set a customer's tier, when, to what, against which proposal, and why.
    Append-only."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("登记时设定")
        CONFIRM = "confirm", _("确认建议")
        OVERRIDE = "override", _("人工调整")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="tier_changes",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind)
    from_tier = models.CharField(_("原分级"), max_length=1, blank=True)
    to_tier = models.CharField(_("新分级"), max_length=1)
    proposed_tier = models.CharField(_("系统建议"), max_length=1, blank=True)
    reason = models.TextField(_("原因"))
    # The figures the rules saw at that moment (amount, deals, first deal).
    figures = models.JSONField(_("依据"), default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("分级记录")
        verbose_name_plural = _("分级记录")
        indexes = [
            models.Index(
                fields=["customer", "changed_at", "id"], name="tier_change_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier or '-'} → {self.to_tier}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("tier changes cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("tier changes cannot be deleted")


class TierRun(models.Model):
    """One run of the tier rules: nightly over every customer, or after new
    transactions over the customers they concern."""

    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    whole = models.BooleanField(_("全部客户"), default=True)
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("分级计算")
        verbose_name_plural = _("分级计算")
        indexes = [models.Index(fields=["whole", "started_at"], name="tier_run_recent")]

    def __str__(self) -> str:
        return f"tier run {self.started_at:%Y-%m-%d %H:%M}"
