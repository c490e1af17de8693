from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("服务等级与工作日历")

    def ready(self) -> None:
        post_migrate.connect(_builtins_after_migrate, sender=self)
        from core.audit import audit_events_register
        from sla.clocks import clocks_follow
        from tickets.hooks import event_hook_register

        event_hook_register(clocks_follow)
        audit_events_register(
            {
                "sla.level.create": _("新建服务等级"),
                "sla.level.update": _("修改服务等级"),
                "sla.commitment.create": _("新建服务承诺"),
                "sla.commitment.update": _("修改服务承诺"),
            }
        )


def _builtins_after_migrate(sender, using="default", **kwargs) -> None:
    from sla.services import calendar_builtins_ensure

    calendar_builtins_ensure(using=using)
