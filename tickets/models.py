"""Tickets (工单): every contact from a customer — inquiries, requests, complaints,
suggestions, praise and after-sales visits — with one accountable owner, an
append-only timeline, the daily number counter and the search documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet, TimeStampedModel, VersionedModel
from core.search import SearchDocument


class TicketCategory(TimeStampedModel):
    """A configurable category (配送延误, 货物破损 …), chosen at registration."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("工单类别")
        verbose_name_plural = _("工单类别")
        ordering = ["sort_order", "id"]
        permissions = [("manage_categories", _("维护工单类别"))]

    def __str__(self) -> str:
        return self.name


# Statuses after which nobody works on the ticket any more (the flag ``is_open``
# mirrors this, enforced by a constraint, so that lists can use plain indexes).
DONE_STATUSES = ("resolved", "closed", "archived")
OPEN = Q(is_open=True)


class Ticket(TimeStampedModel, VersionedModel):
    """One contact from a customer. Exactly one owner, a person, always; the
    department is the owner's (a ticket sent to a department is held by its
    dispatcher and marked ``unassigned`` until someone takes it)."""

    class Type(models.TextChoices):
        INQUIRY = "inquiry", _("咨询")
        REQUEST = "request", _("服务请求")
        COMPLAINT = "complaint", _("投诉")
        SUGGESTION = "suggestion", _("建议")
        PRAISE = "praise", _("表扬")
        AFTERSALES = "aftersales", _("售后回访")

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        EMAIL = "email", _("邮件")
        LETTER = "letter", _("信函")
        VISIT = "visit", _("来访")
        PORTAL = "portal", _("网上提交")
        WECHAT = "wechat", _("微信")
        SMS = "sms", _("短信")
        API = "api", _("系统接口")
        OTHER = "other", _("其他")

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("客户本人")
        HOTLINE_12315 = "12315", _("12315 热线")
        CONSUMER_ASSOCIATION = "consumer_association", _("消费者协会")
        MEDIA = "media", _("媒体")
        OTHER = "other", _("其他渠道")

    class Priority(models.TextChoices):
        LOW = "low", _("低")
        NORMAL = "normal", _("普通")
        HIGH = "high", _("高")
        URGENT = "urgent", _("紧急")

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        NORMAL = "normal", _("较重")
        MAJOR = "major", _("严重")
        CRITICAL = "critical", _("重大")

    class Mood(models.TextChoices):
        CALM = "calm", _("平静")
        UPSET = "upset", _("不满")
        ANGRY = "angry", _("愤怒")

    class Status(models.TextChoices):
        NEW = "new", _("待受理")
        ACCEPTED = "accepted", _("已受理")
        ASSESSING = "assessing", _("判断中")
        INVESTIGATING = "investigating", _("调查中")
        REMEDY_PENDING = "remedy_pending", _("补救待批")
        REPLIED = "replied", _("已答复")
        FOLLOW_UP = "follow_up", _("回访中")
        WAITING_CUSTOMER = "waiting_customer", _("等待客户")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")
        ARCHIVED = "archived", _("已归档")

    number = models.CharField(_("工单号"), max_length=32, unique=True, editable=False)
    type = models.CharField(_("类型"), max_length=16, choices=Type)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel)
    source = models.CharField(
        _("来源"), max_length=24, choices=Source, default=Source.CUSTOMER
    )
    priority = models.CharField(
        _("优先级"), max_length=8, choices=Priority, default=Priority.NORMAL
    )
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity, blank=True
    )
    mood = models.CharField(
        _("客户情绪"), max_length=8, choices=Mood, default=Mood.CALM
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status, default=Status.NEW
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        db_index=False,  # the composite indexes below lead with it
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("联系人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("类别"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    subject = models.CharField(_("主题"), max_length=200)
    description = models.TextField(_("详细描述"), blank=True)
    product = models.CharField(_("产品或服务"), max_length=100, blank=True)
    order_ref = models.CharField(_("订单号或运单号"), max_length=64, blank=True)
    batch = models.CharField(_("批次"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("客户来访时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        db_index=False,  # the composite indexes below lead with it
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_tickets",
        help_text=_("首问负责：登记人始终可以查看工单的进展。"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        db_index=False,  # the composite indexes below lead with it
        on_delete=models.PROTECT,
        related_name="owned_tickets",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("负责部门"),
        db_index=False,  # the composite indexes below lead with it
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    unassigned = models.BooleanField(
        _("待分派"),
        default=False,
        help_text=_("工单在部门调度员手中，等待分派给具体人员。"),
    )
    is_open = models.BooleanField(_("处理中"), default=True, editable=False)
    paused_status = models.CharField(
        _("等待前的状态"), max_length=16, choices=Status, blank=True
    )
    transfer_count = models.PositiveIntegerField(_("转交次数"), default=0)
    department_transfer_count = models.PositiveIntegerField(
        _("跨部门转交次数"), default=0
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("最近活动"), default=timezone.now)
    first_contact_resolution = models.BooleanField(_("一次解决"), default=False)
    # Due times of the three clocks; set by the service levels (issue: sla).
    acknowledge_due_at = models.DateTimeField(_("受理时限"), null=True, blank=True)
    first_response_due_at = models.DateTimeField(
        _("首次响应时限"), null=True, blank=True
    )
    resolution_due_at = models.DateTimeField(_("解决时限"), null=True, blank=True)
    # SHA-256 of the customer's private link token (the token itself is shown once).
    customer_token_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        permissions = [
            ("view_all_tickets", _("查看所有工单")),
            ("work_tickets", _("处理工单")),
            ("serve_tickets", _("客服受理（本人登记的工单由本人负责）")),
            ("dispatch_tickets", _("分派和改派任何工单")),
            ("hand_over_tickets", _("交接离职或调岗人员的工单")),
        ]
        # SQLite uses an index on a boolean only as the condition of a partial
        # index (Django writes ``WHERE "is_open"``), so open lists have partial
        # indexes; each default list is one index range, newest first.
        indexes = [
            models.Index(
                fields=["owner", "created_at", "id"],
                condition=OPEN,
                name="ticket_owner_open",
            ),
            models.Index(
                fields=["owner", "status", "created_at", "id"],
                name="ticket_owner_status",
            ),
            models.Index(
                fields=["department", "created_at", "id"],
                condition=OPEN,
                name="ticket_dept_open",
            ),
            models.Index(
                fields=["department", "status", "created_at", "id"],
                name="ticket_dept_status",
            ),
            models.Index(
                fields=["created_at", "id"], condition=OPEN, name="ticket_open"
            ),
            models.Index(fields=["created_at", "id"], name="ticket_created"),
            models.Index(fields=["status", "created_at", "id"], name="ticket_status"),
            models.Index(fields=["type", "created_at", "id"], name="ticket_type"),
            models.Index(
                fields=["customer", "created_at", "id"], name="ticket_customer"
            ),
            models.Index(
                fields=["registered_by", "created_at", "id"], name="ticket_registrant"
            ),
            # The dispatchers' queues and the watch list: small, partial indexes.
            models.Index(
                fields=["department", "created_at", "id"],
                condition=Q(unassigned=True),
                name="ticket_unassigned",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(is_open=True, first_response_at__isnull=True),
                name="ticket_unanswered",
            ),
            models.Index(
                fields=["department_transfer_count", "created_at", "id"],
                condition=OPEN,
                name="ticket_moved",
            ),
            models.Index(
                fields=["resolved_at"],
                condition=Q(status="resolved"),
                name="ticket_resolved_since",
            ),
            # The three clocks, for the overdue filter and the service-level sweep.
            models.Index(
                fields=["acknowledge_due_at"], condition=OPEN, name="ticket_ack_due"
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=OPEN,
                name="ticket_response_due",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=OPEN,
                name="ticket_resolution_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(is_open=True) & ~Q(status__in=DONE_STATUSES))
                | Q(is_open=False, status__in=DONE_STATUSES),
                name="ticket_is_open_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(unassigned=False) | Q(is_open=True),
                name="ticket_unassigned_is_open",
            ),
            models.CheckConstraint(
                condition=Q(status="new") | Q(accepted_at__isnull=False),
                name="ticket_accepted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="ticket_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="ticket_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="waiting_customer") | ~Q(paused_status=""),
                name="ticket_waiting_remembers_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:ticket_detail", args=[self.number])

    @property
    def due(self) -> dict:
        return {
            "acknowledge": self.acknowledge_due_at,
            "first_response": self.first_response_due_at,
            "resolution": self.resolution_due_at,
        }


class TicketEvent(models.Model):
    """One entry of a ticket's timeline. Append-only: the ORM refuses updates and
    deletes. ``is_public`` events (replies, public state changes) are what the
    customer sees; their ``body`` is written for the customer. Internal detail
    (reasons, names) is kept in ``data``."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        NOTE = "note", _("内部备注")
        REPLY = "reply", _("答复客户")
        STATUS = "status", _("状态变更")
        ASSIGNMENT = "assignment", _("分派")
        TRANSFER = "transfer", _("转交")
        ESCALATION = "escalation", _("升级")
        APPROVAL = "approval", _("审批")
        UPDATE = "update", _("修改")
        CUSTOMER = "customer", _("客户留言")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind)
    is_public = models.BooleanField(_("客户可见"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("内容"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        indexes = [
            models.Index(
                fields=["ticket", "created_at", "id"], name="ticket_event_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("ticket events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ticket events cannot be deleted")


class TicketNumberCounter(models.Model):
    """The last sequence number given out on one day (Shanghai time)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.last}"


class TicketSearchDocument(SearchDocument):
    """What a ticket is found by: its number, texts, references, and its
    customer's and contact's names and phones as they were when it last changed."""

    object = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"search document of ticket {self.object_id}"
