"""Handovers (交接): the record of moving everything a person holds to receivers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet


class Handover(models.Model):
    """One recorded handover of a leaving (or moving) employee. ``moved`` lists,
    per kind of holding, how many moved (or were closed) and to whom. Append-only."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("原因"))
    moved = models.JSONField(_("交接内容"), default=list)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("交接记录")
        verbose_name_plural = _("交接记录")
        indexes = [
            models.Index(fields=["performed_at", "id"], name="handover_recent"),
            models.Index(
                fields=["from_user", "performed_at"], name="handover_from_user"
            ),
        ]

    def __str__(self) -> str:
        return f"handover of {self.from_user_id} {self.performed_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("handovers cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("handovers cannot be deleted")
