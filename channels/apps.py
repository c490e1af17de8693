from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = _("渠道")

    def ready(self) -> None:
        from channels import hooks, senders
        from core.audit import audit_events_register

        senders.register()
        hooks.connect()
        audit_events_register(
            {
                "channels.template_update": _("修改客户通知模板"),
                "channels.mailbox_update": _("修改收件邮箱设置"),
                "channels.sms_update": _("修改短信网关设置"),
                "channels.robot_save": _("保存群机器人"),
                "channels.inbound_resolve": _("处理无法解析的来信"),
                "channels.inbound_raw": _("下载来信原文"),
            }
        )
