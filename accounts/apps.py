from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与权限")

    def ready(self) -> None:
        post_migrate.connect(_roles_sync_after_migrate, sender=self)
        # Every way a browser session starts (the login page, the test client's
        # force_login) goes through django.contrib.auth.login, which sends this.
        user_logged_in.connect(_session_record_on_login, dispatch_uid="kefu-session")
        _directory_receivers_connect()


def _directory_receivers_connect() -> None:
    """People, departments, role memberships and roles' permissions: a change of
    any drops the cached lists of people (accounts.directory)."""
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from accounts.directory import directory_changed
    from accounts.models import Department, User

    for model in (User, Department, Group):
        uid = f"kefu-directory-{model._meta.label_lower}"
        post_save.connect(directory_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(directory_changed, sender=model, dispatch_uid=uid)
    for through in (User.groups.through, Group.permissions.through):
        m2m_changed.connect(
            directory_changed,
            sender=through,
            dispatch_uid=f"kefu-directory-{through._meta.label_lower}",
        )


def _roles_sync_after_migrate(sender, using="default", **kwargs) -> None:
    from accounts.models import SecurityPolicy
    from accounts.services import roles_sync

    roles_sync(using=using)
    # The policy row exists from the start, so that no request has to create it.
    SecurityPolicy.objects.using(using).get_or_create(
        pk=SecurityPolicy.SINGLETON,
        defaults={"token_days": settings.KEFU_API_TOKEN_DAYS},
    )


def _session_record_on_login(sender, request, user, **kwargs) -> None:
    from accounts.sessions import user_session_start

    if request is not None:
        user_session_start(request=request, user=user)
