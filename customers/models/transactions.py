"""Transactions (合作记录): what a customer bought from us, when and for how much.
They feed the tier rules, the 80/20 figure and repeat-purchase counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SoftDeleteModel

LIVE = Q(deleted_at__isnull=True)


class Transaction(SoftDeleteModel):
    """One deal, in yuan. Never edited: a wrong one is voided (soft delete, with a
    reason) and entered again."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("手工录入")
        IMPORTED = "imported", _("Excel 导入")
        API = "api", _("接口推送")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    occurred_on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    description = models.CharField(_("合作内容"), max_length=200)
    # The order or contract number in the system it came from: the same reference
    # pushed twice is the same transaction (idempotent API and imports).
    external_ref = models.CharField(_("外部单号"), max_length=64, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source, default=Source.ENTERED
    )
    import_job = models.ForeignKey(
        "customers.ImportJob",
        verbose_name=_("导入批次"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    delete_reason = models.TextField(_("作废原因"), blank=True)

    class Meta:
        verbose_name = _("合作记录")
        verbose_name_plural = _("合作记录")
        indexes = [
            models.Index(
                fields=["customer", "occurred_on", "id"],
                condition=LIVE,
                name="transaction_customer_date",
            ),
            models.Index(
                fields=["occurred_on", "id"], condition=LIVE, name="transaction_date"
            ),
            # Serves the period aggregates (80/20, repeat purchases) from the index.
            models.Index(
                fields=["occurred_on", "customer", "amount"],
                condition=LIVE,
                name="transaction_period",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="transaction_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="transaction_external_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.description} ¥{self.amount}"
