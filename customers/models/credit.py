"""Credit assessments (信用调查与评估): the history behind a customer's rating,
score, limit and outstanding balance. Confidential like the credit itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet

# Best first: a move to a later rating is a worsening.
RATING_ORDER = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"]


class CreditAssessment(models.Model):
    """One investigation or assessment of a customer's credit. Append-only: the
    latest one is what the archive shows; the earlier ones are its history."""

    class Source(models.TextChoices):
        REGISTRY = "registry", _("工商登记信息")
        BANK = "bank", _("银行资信证明")
        FINANCE = "finance", _("财务报表")
        TRADE = "trade", _("同业调查")
        VISIT = "visit", _("实地走访")
        HISTORY = "history", _("本公司往来记录")
        ARCHIVE = "archive", _("档案中直接修改")
        OTHER = "other", _("其他")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="credit_assessments",
    )
    assessed_on = models.DateField(_("调查日期"))
    sources = models.JSONField(_("资料来源"), default=list, blank=True)
    notes = models.TextField(_("调查记录"), blank=True)
    score = models.PositiveSmallIntegerField(_("信用分"), null=True, blank=True)
    rating = models.CharField(_("信用评级"), max_length=3, blank=True)
    limit = models.DecimalField(
        _("信用额度（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    balance = models.DecimalField(
        _("应收余额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    previous_rating = models.CharField(_("原评级"), max_length=3, blank=True)
    trend = models.CharField(_("变化"), max_length=8, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用评估")
        verbose_name_plural = _("信用评估")
        indexes = [
            models.Index(
                fields=["customer", "created_at", "id"], name="credit_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.assessed_on:%Y-%m-%d} {self.rating}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("credit assessments cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("credit assessments cannot be deleted")

    @property
    def source_labels(self) -> list[str]:
        labels = dict(self.Source.choices)
        return [str(labels.get(code, code)) for code in self.sources]
