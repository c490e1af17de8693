from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("服务等级与工作日历")

    def ready(self) -> None:
        post_migrate.connect(_builtins_after_migrate, sender=self)


def _builtins_after_migrate(sender, using="default", **kwargs) -> None:
    from sla.services import calendar_builtins_ensure

    calendar_builtins_ensure(using=using)
