from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("客户档案")

    def ready(self) -> None:
        from core.audit import audit_events_register
        from customers.handover import handover_providers_install

        handover_providers_install()
        audit_events_register(
            {
                "transaction.create": _("录入合作记录"),
                "transaction.void": _("作废合作记录"),
                "customer.tier_set": _("确认或调整客户分级"),
                "customer.rules_change": _("修改客户管理规则"),
                "customer.credit_assess": _("信用调查与评估"),
                "customer.merge": _("合并重复客户"),
                "customer.merged_into": _("客户被合并"),
                "customer.duplicate_dismiss": _("确认不是重复客户"),
                "customer.owner_change": _("更换客户经理"),
                "handover.perform": _("办理交接"),
                "import.validate": _("校验导入文件"),
                "import.run": _("导入数据"),
                "transaction.export": _("导出合作记录"),
                "credit.export": _("导出信用变化名单"),
            }
        )
