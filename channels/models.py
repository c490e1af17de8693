"""Channels (渠道): the Chinese templates of what customers are sent, the inbound
mailbox and every mail it delivered, the SMS gateway, and the group robots of each
department."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import VersionedModel


class MessageTemplate(VersionedModel):
    """What a customer receives at one moment of a ticket, in Chinese; placeholders
    such as ``{number}`` are filled in (never evaluated as a template language)."""

    class Code(models.TextChoices):
        ACK = "ack", _("受理通知（邮件）")
        REPLY = "reply", _("答复客户（邮件）")
        CLOSE = "close", _("结案通知（邮件）")
        SMS_ACK = "sms_ack", _("受理通知（短信）")

    code = models.CharField(_("代码"), max_length=16, choices=Code, unique=True)
    subject = models.CharField(_("邮件主题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("客户通知模板")
        verbose_name_plural = _("客户通知模板")
        ordering = ["id"]
        permissions = [("manage_templates", _("编辑客户通知模板"))]

    def __str__(self) -> str:
        return self.get_code_display()


class Mailbox(VersionedModel):
    """The one inbound mailbox polled over IMAP (a single row, pk 1)."""

    class Security(models.TextChoices):
        TLS = "tls", _("IMAP over TLS（993）")
        PLAIN = "plain", _("明文（仅限本机 127.0.0.1）")

    is_enabled = models.BooleanField(_("启用收信"), default=False)
    host = models.CharField(_("IMAP 服务器"), max_length=200, blank=True)
    port = models.PositiveIntegerField(_("端口"), default=993)
    security = models.CharField(
        _("连接方式"), max_length=8, choices=Security, default=Security.TLS
    )
    username = models.CharField(_("用户名"), max_length=200, blank=True)
    password = models.CharField(_("密码"), max_length=200, blank=True)
    folder = models.CharField(_("文件夹"), max_length=100, default="INBOX")
    register_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "来信登记成工单时记在此人名下（留空则为客户服务部调度员）；工单进入调度员的待受理队列。"
        ),
    )
    last_polled_at = models.DateTimeField(_("最近收信"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("收件邮箱")
        verbose_name_plural = _("收件邮箱")
        permissions = [("manage_channels", _("配置收件邮箱、短信网关和群机器人"))]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


class InboundMail(models.Model):
    """One mail read from the mailbox. The unique key (its Message-ID, or a hash of
    the raw bytes when it has none) makes a second reading of the same mail a no-op,
    whether the poll was repeated or crashed before marking it read."""

    class Status(models.TextChoices):
        TICKET = "ticket", _("新工单")
        THREAD = "thread", _("追加到工单")
        IGNORED = "ignored", _("已忽略")
        FAILED = "failed", _("无法解析")
        RESOLVED = "resolved", _("已人工处理")

    message_key = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status)
    from_address = models.CharField(_("发件人"), max_length=254, blank=True)
    from_name = models.CharField(_("发件人姓名"), max_length=200, blank=True)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    related_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("关联工单"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.TextField(_("错误"), blank=True)
    # Kept for a person to read when the mail could not be turned into a ticket.
    raw = models.BinaryField(_("原文"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("来信")
        verbose_name_plural = _("来信")
        indexes = [
            models.Index(fields=["received_at", "id"], name="inbound_time"),
            models.Index(
                fields=["received_at", "id"],
                condition=Q(status="failed"),
                name="inbound_failed",
            ),
        ]
        permissions = [("handle_inbound_mail", _("处理无法解析的来信"))]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


class SmsGateway(VersionedModel):
    """The HTTP SMS gateway (a single row, pk 1): where to post, the key that names
    us, the secret that signs each request, the sign name and template code."""

    is_enabled = models.BooleanField(_("启用短信"), default=False)
    endpoint = models.URLField(_("网关地址"), max_length=300, blank=True)
    access_key = models.CharField(_("AccessKey"), max_length=100, blank=True)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    sign_name = models.CharField(_("短信签名"), max_length=40, blank=True)
    template_code = models.CharField(_("模板编号"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("短信网关")
        verbose_name_plural = _("短信网关")

    def __str__(self) -> str:
        return self.endpoint


class Robot(VersionedModel):
    """A group robot (群机器人) of WeCom, DingTalk or Feishu that posts a
    department's internal bulletins, escalations and service-level breaches."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        FEISHU = "feishu", _("飞书")

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind)
    name = models.CharField(_("名称"), max_length=64)
    webhook = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["department_id", "id"]
        indexes = [models.Index(fields=["department", "is_active"], name="robot_dept")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class TicketLink(models.Model):
    """A private link given to a customer in a message (only the hash is kept).
    Stands in for the portal's links until the portal's service takes over."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"link of ticket {self.ticket_id}"
