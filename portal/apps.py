from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("客户门户")

    def ready(self) -> None:
        from core.audit import audit_events_register

        audit_events_register(
            {
                "portal.submit": _("客户在门户提交"),
                "portal.link_refused": _("客户链接无效或过期"),
            }
        )
