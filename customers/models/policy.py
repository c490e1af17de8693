"""The rules of the relationship data that the service manager sets: tier
thresholds and how often an archive must be verified."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerPolicy(models.Model):
    """The one row of rules. A customer is proposed tier A when, within the window,
    it bought at least ``a_amount`` yuan in at least ``a_count`` deals and its first
    deal is at least ``a_tenure_months`` old (close, large, long-standing); B when
    it reaches ``b_amount`` or ``b_count`` (one or two deals, strong capacity);
    otherwise C (small or occasional)."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    window_months = models.PositiveSmallIntegerField(_("统计期（月）"), default=12)
    a_amount = models.PositiveBigIntegerField(
        _("A 类：统计期内金额不少于（元）"), default=500_000
    )
    a_count = models.PositiveSmallIntegerField(
        _("A 类：统计期内合作不少于（笔）"), default=6
    )
    a_tenure_months = models.PositiveSmallIntegerField(
        _("A 类：合作时间不少于（月）"), default=24
    )
    b_amount = models.PositiveBigIntegerField(
        _("B 类：统计期内金额不少于（元）"), default=100_000
    )
    b_count = models.PositiveSmallIntegerField(
        _("B 类：或统计期内合作不少于（笔）"), default=3
    )
    review_days = models.PositiveSmallIntegerField(
        _("档案超过多少天未核实需复核"), default=180
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("客户管理规则")
        verbose_name_plural = _("客户管理规则")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="customer_policy_singleton"
            ),
        ]

    def __str__(self) -> str:
        return str(_("客户管理规则"))
