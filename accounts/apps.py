from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与权限")

    def ready(self) -> None:
        post_migrate.connect(_roles_sync_after_migrate, sender=self)


def _roles_sync_after_migrate(sender, using="default", **kwargs) -> None:
    from accounts.services import roles_sync

    roles_sync(using=using)
