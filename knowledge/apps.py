from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("知识库")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts.models import User
        from core.audit import audit_events_register
        from knowledge.services import required_reading_for_new_user

        audit_events_register(
            {
                "knowledge.faq_save": _("保存常见问题"),
                "knowledge.template_save": _("保存答复模板"),
                "knowledge.case_create": _("编写案例"),
                "knowledge.case_assign": _("指定必读案例"),
            }
        )

        def new_user(sender, instance, created, raw=False, **kwargs):
            # System accounts (no usable password, such as the portal's) read nothing.
            if created and not raw and instance.has_usable_password():
                required_reading_for_new_user(user=instance)

        post_save.connect(
            new_user, sender=User, weak=False, dispatch_uid="knowledge.new_user"
        )
