from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "attachments"
    verbose_name = _("附件")

    def ready(self) -> None:
        from core.audit import audit_events_register

        audit_events_register(
            {
                "attachment.add": _("上传附件"),
                "attachment.refused": _("拒绝上传附件"),
                "attachment.tampered": _("附件校验失败"),
            }
        )
