"""The sidebar: every module of the product, who sees it, and whether it is built.

A module that is not built yet links to an honest 建设中 page; nothing pretends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.permissions import (
    can_manage_departments,
    can_manage_users,
    can_view_audit_log,
    can_view_roles,
    can_view_security_policy,
    has_role,
)
from accounts.roles import BUSINESS_ROLES, Role
from channels.permissions import (
    can_handle_inbound_mail,
    can_manage_channels,
    can_manage_templates,
)
from customers.permissions import can_view_customers
from notify.permissions import can_view_delivery_log


def _business(user: Any) -> bool:
    return has_role(user, *BUSINESS_ROLES)


def _business_or_auditor(user: Any) -> bool:
    return has_role(user, *BUSINESS_ROLES, Role.AUDITOR)


def _service(user: Any) -> bool:
    return has_role(
        user,
        Role.AGENT,
        Role.SUPERVISOR,
        Role.SERVICE_MANAGER,
        Role.GENERAL_MANAGER,
        Role.AUDITOR,
    )


def _managers(user: Any) -> bool:
    return has_role(
        user,
        Role.SUPERVISOR,
        Role.SERVICE_MANAGER,
        Role.DEPARTMENT_MANAGER,
        Role.GENERAL_MANAGER,
        Role.AUDITOR,
    )


def _system(user: Any) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


def _staff(user: Any) -> bool:
    return bool(user.is_authenticated)


@dataclass(frozen=True)
class Module:
    key: str
    label: Promise
    icon: str
    section: str
    visible: Callable[[Any], bool]
    url_name: str | None = None  # None: not built yet
    summary: Promise | None = None
    match: str = ""  # view names starting with this highlight the module

    def is_active(self, view_name: str) -> bool:
        return bool(view_name) and (
            view_name == self.url_name
            or bool(self.match and view_name.startswith(self.match))
        )

    @property
    def built(self) -> bool:
        return self.url_name is not None

    def url(self) -> str:
        if self.url_name:
            return reverse(self.url_name)
        return reverse("home:module", args=[self.key])


WORK, SYSTEM = "work", "system"

MODULES: list[Module] = [
    Module("home", _("工作台"), "home", WORK, _staff, "home:home"),
    Module(
        "tickets",
        pgettext_lazy("module", "工单"),
        "ticket",
        WORK,
        _business_or_auditor,
        "tickets:ticket_list",
        _(
            "每一次客户来电、来函、来访和网上提交都登记为工单：受理要快，始终只有一位负责人，转交必须说明原因。"
        ),
        match="tickets:",
    ),
    Module(
        "complaints",
        _("投诉处理"),
        "message-report",
        WORK,
        _business_or_auditor,
        "complaints:complaint_list",
        _(
            "投诉从受理、判断、调查、补救、答复到回访和归档，按流程推进；超时或客户不满意时逐级升级。"
        ),
        match="complaints:",
    ),
    Module(
        "customers",
        _("客户档案"),
        "building-store",
        WORK,
        can_view_customers,
        "customers:customer_list",
        _(
            "客户资料卡、联系人、重要事项、合作记录、A/B/C 分级与信用；保密字段按授权查看。"
        ),
        match="customers:",
    ),
    Module(
        "care",
        _("客户关怀"),
        "heart-handshake",
        WORK,
        _service,
        None,
        _("生日与纪念日提醒、节日问候、沉默客户名单、关怀活动与客户拜访记录。"),
    ),
    Module(
        "sla",
        _("服务等级与承诺"),
        "clock-hour-4",
        WORK,
        _business_or_auditor,
        "sla:service_overdue",
        _(
            "按中国工作日历（含调休）计算的受理、首次响应和解决时限，以及对外公布的服务承诺及其达成率。"
        ),
        match="sla:service_",
    ),
    Module(
        "quality",
        _("服务质量"),
        "rosette-discount-check",
        WORK,
        _managers,
        None,
        _("服务标准单、满意度调查、检查表、评价表和改进表，形成持续改进的闭环。"),
    ),
    Module(
        "staff",
        _("员工绩效"),
        "users-group",
        WORK,
        _managers,
        None,
        _("团队、绩效评估、培训记录、人员流失与激励。"),
    ),
    Module(
        "policies",
        _("规章制度"),
        "file-certificate",
        WORK,
        _business_or_auditor,
        None,
        _("客服工作制度、岗位职责、售后服务规定等文件的起草、审核、发布和员工确认。"),
    ),
    Module(
        "knowledge",
        _("知识库"),
        "books",
        WORK,
        _business_or_auditor,
        "knowledge:faq_list",
        _("面向客户的常见问题，以及供新员工学习的投诉案例库。"),
        match="knowledge:",
    ),
    Module(
        "reports",
        _("指标看板"),
        "chart-dots",
        WORK,
        _managers,
        None,
        _(
            "五项应高的指数与五项应低的指数、一次解决率、时限与承诺达成率、投诉漏斗、客户分级与二八曲线。"
        ),
    ),
    Module(
        "mail_templates",
        _("客户通知模板"),
        "mail-cog",
        WORK,
        can_manage_templates,
        "channels:template_list",
        match="channels:template_",
    ),
    Module(
        "inbound",
        _("来信"),
        "inbox",
        WORK,
        can_handle_inbound_mail,
        "channels:inbound_list",
        match="channels:inbound_",
    ),
    Module(
        "users",
        _("用户"),
        "user-cog",
        SYSTEM,
        can_manage_users,
        "accounts:user_list",
        match="accounts:user_",
    ),
    Module(
        "departments",
        _("部门"),
        "sitemap",
        SYSTEM,
        can_manage_departments,
        "accounts:department_list",
        match="accounts:department_",
    ),
    Module(
        "roles",
        _("角色与权限"),
        "shield-lock",
        SYSTEM,
        can_view_roles,
        "accounts:role_list",
        match="accounts:role_",
    ),
    Module(
        "security",
        _("安全策略"),
        "lock-cog",
        SYSTEM,
        can_view_security_policy,
        "security:policy",
        _("密码策略、登录失败锁定、会话时限、双因素认证和账户解锁。"),
        match="security:",
    ),
    Module(
        "audit",
        _("审计日志"),
        "file-search",
        SYSTEM,
        can_view_audit_log,
        "audit:list",
        _("登录、拒绝访问、个人信息查看与导出、权限和设置变更的完整记录，防篡改校验。"),
        match="audit:",
    ),
    Module(
        "calendars",
        _("工作日历"),
        "calendar-event",
        SYSTEM,
        _system,
        "sla:calendar_list",
        _("工作时间、法定节假日与调休，管理员可补录或修正年份。"),
        match="sla:calendar_",
    ),
    Module(
        "channels",
        _("渠道设置"),
        "plug-connected",
        SYSTEM,
        can_manage_channels,
        "channels:setup_mailbox",
        _("收件邮箱、短信网关和各部门的企业微信、钉钉、飞书群机器人。"),
        match="channels:setup_",
    ),
    Module(
        "outbox",
        _("外发消息"),
        "mail-forward",
        SYSTEM,
        can_view_delivery_log,
        "notify:message_list",
        match="notify:message_",
    ),
]
MODULES_BY_KEY = {m.key: m for m in MODULES}


def modules_visible_to(user: Any) -> list[Module]:
    return [m for m in MODULES if m.visible(user)]
