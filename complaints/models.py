"""Complaints (投诉): the workflow's record beside a complaint ticket — assessment,
investigation, remedy, follow-up, escalation — with the configurable tables of the
doctrine (root causes, the remedy policy, approval limits, promise wording), the
internal bulletin and the links between recurring complaints."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class RootCause(TimeStampedModel):
    """A kind of root cause (设备, 材料, 工艺, 技术, 作业程序 …); configurable."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("根本原因")
        verbose_name_plural = _("根本原因")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class RemedyKind(models.TextChoices):
    APOLOGY = "apology", _("致歉")
    REFUND = "refund", _("退款")
    RESHIP = "reship", _("补发")
    REPAIR = "repair", _("维修")
    DISCOUNT = "discount", _("折扣")
    VOUCHER = "voucher", _("代金券")
    GIFT = "gift", _("礼品")


class RemedyPolicy(TimeStampedModel):
    """What the company gives for a complaint of a category and severity (blank:
    any). The most specific row applies."""

    category = models.ForeignKey(
        "tickets.TicketCategory",
        verbose_name=_("类别"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    severity = models.CharField(
        _("严重程度"),
        max_length=8,
        blank=True,
        choices=[
            ("minor", _("一般")),
            ("normal", _("较重")),
            ("major", _("严重")),
            ("critical", _("重大")),
        ],
    )
    kind = models.CharField(_("补救方式"), max_length=16, choices=RemedyKind)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("补救政策")
        verbose_name_plural = _("补救政策")
        ordering = ["category_id", "severity", "id"]
        constraints = [
            # One row per cell; "any category" (NULL) is a cell too, on both
            # databases (SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                fields=["category", "severity"],
                condition=Q(category__isnull=False),
                name="remedy_policy_one_per_cell",
            ),
            models.UniqueConstraint(
                fields=["severity"],
                condition=Q(category__isnull=True),
                name="remedy_policy_one_per_any_category",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="remedy_policy_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.severity or '*'}: {self.kind} {self.amount}"


class ApprovalLimit(models.Model):
    """The largest remedy a role may approve (授权额度); no amount: no limit."""

    role = models.CharField(_("角色"), max_length=32, unique=True)
    rank = models.PositiveSmallIntegerField(_("升级层级"), unique=True)
    amount = models.DecimalField(
        _("授权额度（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("授权额度")
        verbose_name_plural = _("授权额度")
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.role}: {self.amount}"


class PromiseWord(TimeStampedModel):
    """A word that promises substance (赔偿, 保证 …): replies containing it are
    flagged before they go out (程序上多承诺，实质上少承诺)."""

    word = models.CharField(_("措辞"), max_length=32, unique=True)
    explanation = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("承诺性措辞")
        verbose_name_plural = _("承诺性措辞")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Complaint(TimeStampedModel):
    """The workflow record of one complaint ticket (its status stays on the ticket)."""

    class Responsibility(models.TextChoices):
        OURS = "ours", _("我方责任")
        CUSTOMER = "customer", _("客户责任")
        UNCLEAR = "unclear", _("责任不明")

    class Level(models.IntegerChoices):
        NONE = 0, _("未升级")
        SUPERVISOR = 1, _("客服主管")
        SERVICE_MANAGER = 2, _("客服部经理")
        GENERAL_MANAGER = 3, _("总经理")

    ticket = models.OneToOneField(
        "tickets.Ticket",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="complaint",
        verbose_name=_("工单"),
    )
    # Keys of recurrence (copied at registration, indexed here).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("客户"),
    )
    category = models.ForeignKey(
        "tickets.TicketCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("类别"),
    )
    product = models.CharField(_("产品或服务"), max_length=100, blank=True)
    order_ref = models.CharField(_("订单号或运单号"), max_length=64, blank=True)
    batch = models.CharField(_("批次"), max_length=64, blank=True)
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_group = models.BooleanField(_("群体投诉"), default=False)
    # Assessment.
    valid = models.BooleanField(_("有效投诉"), null=True, blank=True)
    assessment_reason = models.TextField(_("判断理由"), blank=True)
    assessed_at = models.DateTimeField(_("判断时间"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("判断人"),
    )
    # Investigation.
    investigating_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("投诉处理人"),
        help_text=_("调查结束后工单交回此人，由其提出补救并答复客户。"),
    )
    findings = models.TextField(_("调查结果"), blank=True)
    root_cause = models.ForeignKey(
        RootCause,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("根本原因"),
    )
    responsibility = models.CharField(
        _("责任归属"), max_length=16, choices=Responsibility, blank=True
    )
    findings_at = models.DateTimeField(_("调查完成时间"), null=True, blank=True)
    findings_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("调查人"),
    )
    # Reply and follow-up (事后评鉴).
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    satisfied = models.BooleanField(_("客户满意"), null=True, blank=True)
    handling_ok = models.BooleanField(_("处理得当"), null=True, blank=True)
    systemic = models.BooleanField(_("系统性原因"), null=True, blank=True)
    corrective_done = models.BooleanField(_("纠正措施已完成"), null=True, blank=True)
    follow_up_comment = models.TextField(_("回访记录"), blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    # Escalation.
    escalation_level = models.PositiveSmallIntegerField(
        _("升级层级"), choices=Level, default=Level.NONE
    )
    escalated_at = models.DateTimeField(_("最近升级时间"), null=True, blank=True)
    gm_told_at = models.DateTimeField(_("通报总经理时间"), null=True, blank=True)
    recurrence_count = models.PositiveIntegerField(_("复发次数"), default=0)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        permissions = [
            ("export_complaints", _("导出投诉")),
            ("configure_complaints", _("维护投诉处理的政策和词表")),
            ("approve_remedies", _("审批补救")),
            ("acknowledge_bulletins", _("确认内部通报")),
        ]
        indexes = [
            models.Index(
                fields=["customer", "registered_at"], name="complaint_customer"
            ),
            models.Index(
                fields=["product", "category", "registered_at"],
                condition=~Q(product=""),
                name="complaint_product",
            ),
            models.Index(
                fields=["order_ref", "category", "registered_at"],
                condition=~Q(order_ref=""),
                name="complaint_order",
            ),
            models.Index(
                fields=["batch", "category", "registered_at"],
                condition=~Q(batch=""),
                name="complaint_batch",
            ),
            models.Index(
                fields=["archived_at"],
                condition=Q(archived_at__isnull=False),
                name="complaint_archived",
            ),
        ]

    def __str__(self) -> str:
        return str(self.ticket_id)


class ComplaintLink(models.Model):
    """A complaint that recurs (问题复发): linked to an earlier one, with why."""

    class Reason(models.TextChoices):
        CUSTOMER = "customer", _("同一客户")
        PRODUCT = "product", _("同一产品且同类")
        ORDER = "order", _("同一订单或运单且同类")
        BATCH = "batch", _("同一批次且同类")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="earlier_links"
    )
    earlier = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="later_links"
    )
    reasons = models.JSONField(_("关联原因"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("复发关联")
        verbose_name_plural = _("复发关联")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "earlier"], name="complaint_link_once"
            ),
            models.CheckConstraint(
                condition=~Q(complaint=models.F("earlier")),
                name="complaint_link_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.earlier_id}"


class Remedy(TimeStampedModel):
    """A remedy proposed for a complaint: what the customer asked, what the policy
    gives, what is offered, and its approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="remedies"
    )
    asked = models.TextField(_("客户的要求"))
    kind = models.CharField(_("补救方式"), max_length=16, choices=RemedyKind)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    policy_kind = models.CharField(
        _("政策规定的方式"), max_length=16, choices=RemedyKind
    )
    policy_amount = models.DecimalField(
        _("政策规定的金额（元）"), max_digits=12, decimal_places=2
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status)
    needs_rank = models.PositiveSmallIntegerField(_("需要的审批层级"), default=0)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("补救")
        verbose_name_plural = _("补救")
        indexes = [
            models.Index(
                fields=["needs_rank", "created_at"],
                condition=Q(status="pending"),
                name="remedy_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"

    @property
    def above_policy(self) -> bool:
        return self.amount > self.policy_amount or self.kind != self.policy_kind


class Bulletin(TimeStampedModel):
    """An internal bulletin (内部通报) of a complaint to the departments concerned."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="bulletins"
    )
    message = models.TextField(_("通报内容"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("通报人"),
    )

    class Meta:
        verbose_name = _("内部通报")
        verbose_name_plural = _("内部通报")
        indexes = [models.Index(fields=["created_at", "id"], name="bulletin_time")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.message[:20]}"


class BulletinAck(models.Model):
    """One department's acknowledgement of a bulletin (pending until given)."""

    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.PROTECT, related_name="acks"
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("部门"),
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)
    remind_count = models.PositiveSmallIntegerField(_("提醒次数"), default=0)

    class Meta:
        verbose_name = _("通报确认")
        verbose_name_plural = _("通报确认")
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "department"], name="bulletin_ack_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["department", "bulletin"],
                condition=Q(acknowledged_at__isnull=True),
                name="bulletin_ack_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.department_id}"
