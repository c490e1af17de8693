"""Files on a ticket (photos, PDFs, office documents, text, zip): kept under a
name the server chooses, with the SHA-256 of their content, checked again on
every download."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    """One stored file. ``is_public`` files are what the customer sees (theirs,
    and those staff send with a reply); the others belong to internal notes."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        on_delete=models.PROTECT,
        db_index=False,  # the composite index below leads with it
        related_name="attachments",
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        verbose_name=_("所属记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_public = models.BooleanField(_("客户可见"), default=False)
    by_customer = models.BooleanField(_("客户上传"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [
            models.Index(
                fields=["ticket", "created_at", "id"], name="attachment_ticket"
            )
        ]

    def __str__(self) -> str:
        return self.original_name
