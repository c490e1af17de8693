"""The complaint workflow's actions in the tickets registry: the same for the
ticket page (``/tickets/<number>/actions/<name>/``) and the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import permissions as perms
from complaints import registry, selectors, services
from complaints.models import RootCause
from core.errors import DomainError
from tickets.actions import NoInput, ReasonIn, TicketAction
from tickets.selectors import department_named


def _assign(*, department: str, **kwargs: Any):
    return services.complaint_assign_department(
        department=department_named(department, field="department"), **kwargs
    )


def _findings(*, root_cause: str, **kwargs: Any):
    cause = RootCause.objects.filter(code=root_cause).first() if root_cause else None
    if cause is None:
        raise DomainError(
            _("请从列表中选择根本原因。"), field="root_cause", code="invalid_choice"
        )
    return services.complaint_record_findings(root_cause=cause, **kwargs)


def _bulletin(*, departments: list[str], **kwargs: Any):
    found = [department_named(code, field="departments") for code in departments]
    services.complaint_bulletin(departments=found, **kwargs)
    return kwargs["ticket"]


def _context(user: Any, ticket: Any) -> dict:
    return selectors.action_form_context(user=user, ticket=ticket)


def _a(name, label, schema, perform, permitted, **kw) -> TicketAction:
    return TicketAction(
        name=name,
        label=label,
        schema=schema,
        perform=perform,
        permitted=permitted,
        possible=registry._possible(name),
        template=kw.pop("template", f"complaints/actions/_{name}.html"),
        context=_context,
        **kw,
    )


ACTIONS = [
    _a(
        "assess",
        gettext_lazy("投诉判断"),
        registry.AssessIn,
        services.complaint_assess,
        perms.can_work_complaint,
        icon="scale",
        primary=True,
        order=11,
        done_message=gettext_lazy("已记录投诉判断。"),
    ),
    _a(
        "assign_department",
        gettext_lazy("交责任部门调查"),
        registry.AssignIn,
        _assign,
        perms.can_work_complaint,
        icon="building",
        primary=True,
        order=12,
        done_message=gettext_lazy("已交责任部门调查。"),
    ),
    _a(
        "record_findings",
        gettext_lazy("记录调查结果"),
        registry.FindingsIn,
        _findings,
        perms.can_record_findings,
        icon="search",
        primary=True,
        order=13,
        done_message=gettext_lazy("调查结果已记录，工单已交回投诉处理人。"),
    ),
    _a(
        "propose_remedy",
        gettext_lazy("提出补救"),
        registry.RemedyIn,
        services.complaint_propose_remedy,
        perms.can_work_complaint,
        icon="gift",
        primary=True,
        order=14,
        done_message=gettext_lazy("补救方案已提出。"),
    ),
    _a(
        "approve_remedy",
        gettext_lazy("审批补救"),
        registry.ApproveIn,
        services.complaint_approve_remedy,
        perms.can_approve_remedy,
        icon="checkbox",
        primary=True,
        order=15,
        done_message=gettext_lazy("审批意见已记录。"),
    ),
    _a(
        "reply",
        gettext_lazy("答复处理结果"),
        registry.ReplyIn,
        services.complaint_reply,
        perms.can_work_complaint,
        icon="message-reply",
        primary=True,
        order=16,
        done_message=gettext_lazy("已答复客户，等待回访。"),
    ),
    _a(
        "follow_up",
        gettext_lazy("回访评鉴"),
        registry.FollowUpIn,
        services.complaint_follow_up,
        perms.can_work_complaint,
        icon="phone-call",
        primary=True,
        order=17,
        done_message=gettext_lazy("回访已记录。"),
    ),
    _a(
        "escalate",
        gettext_lazy("升级"),
        ReasonIn,
        services.complaint_escalate,
        perms.can_escalate_complaint,
        icon="arrow-big-up-lines",
        order=45,
        done_message=gettext_lazy("投诉已升级。"),
    ),
    _a(
        "bulletin",
        gettext_lazy("内部通报"),
        registry.BulletinIn,
        _bulletin,
        perms.can_send_bulletin,
        icon="speakerphone",
        order=46,
        done_message=gettext_lazy("内部通报已发出，等待各部门确认。"),
    ),
    _a(
        "archive",
        gettext_lazy("归档"),
        NoInput,
        services.complaint_archive,
        perms.can_work_complaint,
        template="",
        icon="archive",
        order=70,
        done_message=gettext_lazy("投诉已归档。"),
    ),
]
