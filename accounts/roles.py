"""The roles of the department (DESIGN "Users and roles"). Each is a Django group
whose permissions come from the ``ROLE_GRANTS`` of every app's permissions module."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("客服专员")
    SUPERVISOR = "supervisor", _("客服主管")
    SERVICE_MANAGER = "service_manager", _("客服部经理")
    DEPARTMENT_STAFF = "department_staff", _("业务部门人员")
    DEPARTMENT_MANAGER = "department_manager", _("部门经理")
    GENERAL_MANAGER = "general_manager", _("总经理")
    AUDITOR = "auditor", _("审计管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


ROLE_DESCRIPTIONS = {
    Role.AGENT: _("登记任何咨询、请求和投诉，处理本人工单，查看客户基本信息。"),
    Role.SUPERVISOR: _("分派和改派工单，在授权额度内审批补救，查看团队工作。"),
    Role.SERVICE_MANAGER: _("客服部的全部工作：服务标准、调查、评价、查阅授权和导出。"),
    Role.DEPARTMENT_STAFF: _("调查分派给本部门的投诉（运输、仓储、销售等）。"),
    Role.DEPARTMENT_MANAGER: _("审批本部门事项，签署评价表和改进表。"),
    Role.GENERAL_MANAGER: _("升级的最高一级，最终审批。"),
    Role.AUDITOR: _("只读，包括审计日志；不能修改任何数据。"),
    Role.SECURITY_ADMIN: _(
        "密码与会话策略、账户锁定、查阅授权规则；只能看到业务数据中的姓名。"
    ),
    Role.SYSTEM_ADMIN: _("用户、部门、日历和系统设置；不能修改或删除审计记录。"),
}

# The role that decides a person's home page when they hold several.
ROLE_PRECEDENCE = [
    Role.GENERAL_MANAGER,
    Role.SERVICE_MANAGER,
    Role.SUPERVISOR,
    Role.DEPARTMENT_MANAGER,
    Role.AGENT,
    Role.DEPARTMENT_STAFF,
    Role.AUDITOR,
    Role.SECURITY_ADMIN,
    Role.SYSTEM_ADMIN,
]

# Roles that work in the business (as opposed to administering the system).
BUSINESS_ROLES = frozenset(
    {
        Role.AGENT,
        Role.SUPERVISOR,
        Role.SERVICE_MANAGER,
        Role.DEPARTMENT_STAFF,
        Role.DEPARTMENT_MANAGER,
        Role.GENERAL_MANAGER,
    }
)

# The three administrations kept apart (MLPS 三权分立): nobody holds two of them.
ADMINISTRATION_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
