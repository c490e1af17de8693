"""xlsx imports: the job (a Huey task validates, then imports) and its row-by-row
report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded sheet. Validation changes nothing; the import writes either
    every row (no errors) or, when the user chooses so, the valid rows only."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("客户档案")
        TRANSACTIONS = "transactions", _("合作记录")

    class Status(models.TextChoices):
        VALIDATING = "validating", _("正在校验")
        VALIDATED = "validated", _("校验完成")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已导入")
        FAILED = "failed", _("未导入")
        CANCELLED = "cancelled", _("已取消")

    RUNNING = (Status.VALIDATING, Status.IMPORTING)
    FINAL = (Status.DONE, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("内容"), max_length=16, choices=Kind)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status, default=Status.VALIDATING
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="imports/", blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    error_rows = models.PositiveIntegerField(_("有误行数"), default=0)
    imported_rows = models.PositiveIntegerField(_("已导入行数"), default=0)
    valid_only = models.BooleanField(_("只导入有效行"), default=False)
    message = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    # Last sign of life of the job's worker: a running job silent for long is
    # queued again (see customers.imports.imports_resume).
    touched_at = models.DateTimeField(_("最近进展"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入")
        verbose_name_plural = _("导入")
        indexes = [
            models.Index(fields=["created_at", "id"], name="import_recent"),
            models.Index(fields=["created_by", "created_at", "id"], name="import_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def valid_rows(self) -> int:
        return max(self.total_rows - self.error_rows, 0)

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.is_running else 100
        return min(100, int(self.processed_rows * 100 / self.total_rows))


class ImportIssue(models.Model):
    """One problem found in one row: the row number as the sheet shows it, the
    column, and what is wrong."""

    job = models.ForeignKey(
        ImportJob,
        verbose_name=_("导入"),
        on_delete=models.CASCADE,
        related_name="issues",
    )
    row = models.PositiveIntegerField(_("行号"))
    field = models.CharField(_("列"), max_length=64, blank=True)
    message = models.TextField(_("问题"))

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        indexes = [models.Index(fields=["job", "row", "id"], name="import_issue_row")]

    def __str__(self) -> str:
        return f"{self.row} {self.field}: {self.message}"
