"""Knowledge (知识库): public FAQ articles for customers, reply templates for
staff, and the case library of closed complaints written up for learning."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from core.search import SearchDocument


class FaqCategory(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("问题分类")
        verbose_name_plural = _("问题分类")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class FaqArticle(TimeStampedModel, VersionedModel, SoftDeleteModel):
    """A public answer (常见问题). Only published ones reach the portal."""

    category = models.ForeignKey(
        FaqCategory,
        verbose_name=_("分类"),
        on_delete=models.PROTECT,
        related_name="articles",
    )
    title = models.CharField(_("问题"), max_length=200)
    body = models.TextField(_("解答"))
    is_published = models.BooleanField(_("公开"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        permissions = [("manage_knowledge", _("维护常见问题和答复模板"))]
        indexes = [
            models.Index(
                fields=["category", "id"],
                condition=Q(deleted_at__isnull=True, is_published=True),
                name="faq_public_category",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("portal_faq:article", args=[self.pk])


class FaqSearchDocument(SearchDocument):
    object = models.OneToOneField(
        FaqArticle, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )


class ReplyTemplate(TimeStampedModel, VersionedModel, SoftDeleteModel):
    """A reply with placeholders ({客户} {工单号} …), per ticket category (none:
    for every category). Templates promise steps and dates, not outcomes."""

    name = models.CharField(_("名称"), max_length=64)
    category = models.ForeignKey(
        "tickets.TicketCategory",
        verbose_name=_("工单类别"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("内容"))
    wording_confirmed = models.BooleanField(_("已确认承诺性措辞"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("答复模板")
        verbose_name_plural = _("答复模板")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Case(TimeStampedModel, SoftDeleteModel):
    """A closed complaint written up for learning (案例), with the customer's
    and contacts' personal data removed."""

    class Classification(models.TextChoices):
        PRODUCT = "product", _("产品质量")
        DELIVERY = "delivery", _("运输配送")
        SERVICE = "service", _("服务态度")
        PROCESS = "process", _("流程制度")
        BILLING = "billing", _("价格费用")
        OTHER = "other", _("其他")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("来源投诉"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("标题"), max_length=200)
    classification = models.CharField(_("分类"), max_length=16, choices=Classification)
    summary = models.TextField(_("经过"))
    cause = models.TextField(_("原因"))
    handling = models.TextField(_("处理"))
    lessons = models.TextField(_("经验教训"))
    for_new_staff = models.BooleanField(
        _("新员工必读"),
        default=False,
        help_text=_("以后加入的每位员工都会收到这个必读案例。"),
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编写人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("案例")
        verbose_name_plural = _("案例")
        permissions = [
            ("view_cases", _("阅读案例库")),
            ("manage_cases", _("编写案例并指定必读")),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=Q(deleted_at__isnull=True),
                name="case_recent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("knowledge:case_detail", args=[self.pk])


class CaseReading(models.Model):
    """A case someone must read (required) or has read; ``read_at`` records it."""

    case = models.ForeignKey(
        Case, verbose_name=_("案例"), on_delete=models.CASCADE, related_name="readings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("员工"),
        on_delete=models.CASCADE,
        related_name="case_readings",
    )
    required = models.BooleanField(_("必读"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("指定时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("案例阅读")
        verbose_name_plural = _("案例阅读")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_reading_once")
        ]
        indexes = [
            models.Index(
                fields=["user", "assigned_at", "id"],
                condition=Q(required=True, read_at__isnull=True),
                name="case_unread_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.user_id}"
