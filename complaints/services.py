"""Writes of the complaint workflow: one function per step. Each locks the ticket
through the tickets app, checks the actor and the order of the steps again, writes
the timeline in the same transaction and tells the people concerned after commit.

The doctrine (DESIGN §2, seed 004) is enforced here: a complaint is assessed before
anything else, investigated by the responsible department, remedied by policy (less
is refused, more needs someone whose approval limit covers it), answered without
promising substance unless the sender confirms, followed up before it closes, and
escalated when the customer is not satisfied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from complaints.models import (
    ApprovalLimit,
    Bulletin,
    BulletinAck,
    Complaint,
    ComplaintLink,
    PromiseWord,
    Remedy,
    RemedyKind,
    RemedyPolicy,
    RootCause,
)
from complaints.permissions import (
    LADDER,
    can_acknowledge_bulletin,
    can_approve_remedy,
    can_escalate_complaint,
    can_record_findings,
    can_remind_bulletin,
    can_send_bulletin,
    can_work_complaint,
    user_rank,
)
from core.errors import DomainError
from core.versioning import version_check
from notify.services import notify_user
from tickets import services as tickets
from tickets.extensions import ReplyWarning
from tickets.models import Ticket, TicketEvent
from tickets.validation import EXTERNAL_SOURCES, body_clean, reason_clean
from tickets.workflow import transition_check

S = Ticket.Status
K = TicketEvent.Kind
AMOUNT_MAX = Decimal("100000000")


# --- promise wording (程序上多承诺，实质上少承诺) ----------------------------------------


def promise_words_find(text: str) -> list[PromiseWord]:
    """The active promise words that ``text`` contains, in the order of the list."""
    text = text or ""
    if not text.strip():
        return []
    return [w for w in PromiseWord.objects.filter(is_active=True) if w.word in text]


def promise_wording_check(text: str) -> list[ReplyWarning]:
    """The check every reply and reply template goes through (registered with
    tickets' reply checks; the portal and e-mail use the same)."""
    found = promise_words_find(text)
    if not found:
        return []
    return [
        ReplyWarning(
            code="promise_wording",
            message=_(
                "答复中有承诺实质结果的措辞（%(words)s）。请承诺处理的步骤和时间，"
                "不要承诺结果；确需发送请确认。"
            )
            % {"words": "、".join(w.word for w in found)},
            words=tuple(w.word for w in found),
            explanation="；".join(
                f"{w.word}：{w.explanation}" for w in found if w.explanation
            ),
        )
    ]


# --- helpers ---------------------------------------------------------------------------


def _users_of_role(role: str) -> list[int]:
    return list(
        User.objects.filter(groups__name=role, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock(ticket: Ticket, actor: Any, version: int | None, *, allowed, action: str):
    """Lock, check the actor (403), the step's order and doctrine (422), the
    version (409); returns the fresh ticket and its complaint record."""
    ticket = tickets.ticket_lock(ticket)
    if ticket.type != Ticket.Type.COMPLAINT:
        raise DomainError(
            _("只有投诉工单才有这一步。"), field="action", code="not_complaint"
        )
    if actor is not None and not allowed(actor, ticket):
        raise PermissionDenied
    transition_check(ticket, action)
    version_check(ticket, version)
    return ticket, complaint_ensure(ticket)


def complaint_ensure(ticket: Ticket) -> Complaint:
    """The workflow record of a complaint ticket (made if the ticket became a
    complaint after registration)."""
    complaint = Complaint.objects.filter(ticket_id=ticket.pk).first()
    if complaint is None:
        complaint = Complaint.objects.create(
            ticket=ticket,
            customer_id=ticket.customer_id,
            category_id=ticket.category_id,
            product=ticket.product,
            order_ref=ticket.order_ref,
            batch=ticket.batch,
            registered_at=ticket.created_at,
        )
    ticket.complaint = complaint
    return complaint


def _gm_tell(ticket: Ticket, complaint: Complaint, reason: str) -> None:
    """Tell the general manager at once (external source, critical, group)."""
    now = timezone.now()
    for pk in _users_of_role(LADDER[3]):
        tickets.ticket_tell(
            pk,
            title=_("重要投诉即时通报（%(reason)s）：%(number)s %(subject)s")
            % {"reason": reason, "number": ticket.number, "subject": ticket.subject},
            ticket=ticket,
            key=f"complaint.gm.{ticket.pk}.{reason}",
        )
    complaint.gm_told_at = now
    complaint.save(update_fields=["gm_told_at", "updated_at"])
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.ESCALATION,
        actor=None,
        body=_("已即时通报总经理：%(reason)s。") % {"reason": reason},
        gm_told=True,
        reason=reason,
    )


def _gm_reasons(ticket: Ticket, complaint: Complaint) -> list[str]:
    reasons = []
    if ticket.source in EXTERNAL_SOURCES:
        reasons.append(
            _("外部来源：%(source)s") % {"source": ticket.get_source_display()}
        )
    if ticket.severity == Ticket.Severity.CRITICAL:
        reasons.append(_("重大投诉"))
    if complaint.is_group:
        reasons.append(_("群体投诉"))
    return reasons


# --- registration and recurrence ------------------------------------------------------


def recurrence_window() -> dt.timedelta:
    return dt.timedelta(days=settings.KEFU_COMPLAINT_RECURRENCE_DAYS)


def complaint_recurrences_find(complaint: Complaint) -> dict[int, list[str]]:
    """Earlier complaints within the window: of the same customer, or on the same
    product, order or batch in the same category. One indexed query per key."""
    since = complaint.registered_at - recurrence_window()
    base = Complaint.objects.filter(
        registered_at__gte=since, registered_at__lte=complaint.registered_at
    ).exclude(pk=complaint.pk)
    same_category = (
        Q(category_id=complaint.category_id)
        if complaint.category_id
        else Q(category__isnull=True)
    )
    keys = [(ComplaintLink.Reason.CUSTOMER, Q(customer_id=complaint.customer_id))]
    for reason, field in (
        (ComplaintLink.Reason.PRODUCT, "product"),
        (ComplaintLink.Reason.ORDER, "order_ref"),
        (ComplaintLink.Reason.BATCH, "batch"),
    ):
        value = getattr(complaint, field)
        if value:
            # "<> ''" said again: the index is partial on it, and SQLite uses a
            # partial index only for a query that names its condition (without it
            # each registration read every complaint of the window: 52 ms, not 1).
            condition = Q(**{field: value}) & ~Q(**{field: ""}) & same_category
            keys.append((reason, condition))
    found: dict[int, list[str]] = {}
    for reason, condition in keys:
        for pk in (
            base.filter(condition)
            .order_by("-registered_at")
            .values_list("pk", flat=True)[:50]
        ):
            found.setdefault(pk, []).append(str(reason))
    return found


def complaint_register(
    *, ticket: Ticket, actor: Any, request: HttpRequest | None = None
) -> Complaint | None:
    """When a complaint is registered: its record, its links to earlier ones
    (问题复发, counted), and the general manager told at once when it comes from
    12315, 消协 or the media, or is critical."""
    if ticket.type != Ticket.Type.COMPLAINT:
        return None
    complaint = complaint_ensure(ticket)
    earlier = complaint_recurrences_find(complaint)
    if earlier:
        ComplaintLink.objects.bulk_create(
            [
                ComplaintLink(complaint=complaint, earlier_id=pk, reasons=reasons)
                for pk, reasons in earlier.items()
            ],
            ignore_conflicts=True,
        )
        complaint.recurrence_count = len(earlier)
        complaint.save(update_fields=["recurrence_count", "updated_at"])
        numbers = list(
            Ticket.objects.filter(pk__in=list(earlier)[:10]).values_list(
                "number", flat=True
            )
        )
        tickets.ticket_event_write(
            ticket=ticket,
            kind=K.NOTE,
            actor=None,
            body=_(
                "问题复发：%(days)s 天内有 %(count)s 件相关的既往投诉（%(numbers)s）。"
            )
            % {
                "days": settings.KEFU_COMPLAINT_RECURRENCE_DAYS,
                "count": len(earlier),
                "numbers": "、".join(numbers),
            },
            recurrence=len(earlier),
        )
    reasons = _gm_reasons(ticket, complaint)
    if reasons:
        _gm_tell(ticket, complaint, "；".join(reasons))
    return complaint


# --- assessment -------------------------------------------------------------------------


@transaction.atomic
def complaint_assess(
    *,
    ticket: Ticket,
    actor: User,
    valid: bool,
    reason: str,
    group: bool = False,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """投诉判断: valid or not, always with a reason. An invalid complaint is still
    answered and closed; a valid one goes to the responsible department."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_work_complaint, action="assess"
    )
    reason = reason_clean(reason, label=_("判断理由"))
    complaint.valid = bool(valid)
    complaint.assessment_reason = reason
    complaint.assessed_at = timezone.now()
    complaint.assessed_by = actor
    newly_group = bool(group) and not complaint.is_group
    complaint.is_group = complaint.is_group or bool(group)
    complaint.save()
    tickets.ticket_status_change(
        ticket=ticket,
        actor=actor,
        status=S.ASSESSING,
        reason=reason,
        verdict="valid" if valid else "invalid",
    )
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.NOTE,
        actor=actor,
        body=(
            _("判断为有效投诉。理由：%(reason)s")
            if valid
            else _("判断为无效投诉，仍须答复客户后关闭。理由：%(reason)s")
        )
        % {"reason": reason},
        assessment=True,
        valid=bool(valid),
    )
    if newly_group and complaint.gm_told_at is None:
        _gm_tell(ticket, complaint, _("群体投诉"))
    return ticket


def _guard_assign(ticket: Ticket) -> None:
    complaint = complaint_ensure(ticket)
    if complaint.valid is not True:
        raise DomainError(
            _("只有判断为有效的投诉才交责任部门调查。"),
            field="action",
            code="not_valid",
        )


@transaction.atomic
def complaint_assign_department(
    *,
    ticket: Ticket,
    actor: User,
    department: Department,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """The responsible department investigates: the ticket goes to its
    dispatcher's queue; the customer service handler gets it back with the
    findings."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_work_complaint, action="assign_department"
    )
    reason = reason_clean(reason, label=_("分派说明"))
    if complaint.handler_id is None or ticket.owner.department_id != department.pk:
        complaint.handler = ticket.owner
    complaint.investigating_department = department
    complaint.save()
    previous = ticket.status
    ticket.status = S.INVESTIGATING
    tickets.ticket_route(
        ticket=ticket,
        actor=actor,
        reason=reason,
        to_department=department,
        fields=["status"],
    )
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.STATUS,
        actor=actor,
        public=True,
        **{"from": previous, "to": S.INVESTIGATING},
        department={"code": department.code, "name": department.name},
    )
    return ticket


@transaction.atomic
def complaint_record_findings(
    *,
    ticket: Ticket,
    actor: User,
    findings: str,
    root_cause: RootCause,
    responsibility: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """调查: findings, the root cause from the list and the responsibility (ours,
    the customer's, unclear); the ticket goes back to the complaint handler."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_record_findings, action="record_findings"
    )
    findings = body_clean(findings, field="findings", label=_("调查结果"))
    if responsibility not in Complaint.Responsibility.values:
        raise DomainError(
            _("请选择责任归属：我方、客户或不明。"),
            field="responsibility",
            code="invalid_choice",
        )
    if not root_cause.is_active:
        raise DomainError(
            _("根本原因“%(name)s”已停用。") % {"name": root_cause.name},
            field="root_cause",
            code="inactive",
        )
    complaint.findings = findings
    complaint.root_cause = root_cause
    complaint.responsibility = responsibility
    complaint.findings_at = timezone.now()
    complaint.findings_by = actor
    complaint.save()
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.NOTE,
        actor=actor,
        body=_("调查结果：%(findings)s\n根本原因：%(cause)s；责任归属：%(resp)s。")
        % {
            "findings": findings,
            "cause": root_cause.name,
            "resp": Complaint.Responsibility(responsibility).label,
        },
        findings=True,
        root_cause=root_cause.code,
        responsibility=responsibility,
    )
    handler = complaint.handler
    if handler is not None and handler.is_active and handler.pk != ticket.owner_id:
        tickets.ticket_route(
            ticket=ticket,
            actor=actor,
            reason=_("调查完成，交回投诉处理人提出补救并答复客户。"),
            to_user=handler,
        )
    else:
        tickets.ticket_save(ticket, [])
    return ticket


# --- remedy by policy -------------------------------------------------------------------


def remedy_policy_for(ticket: Ticket) -> RemedyPolicy:
    """The most specific policy row for the ticket's category and severity; with
    none configured, an apology."""
    rows = {
        (p.category_id, p.severity): p
        for p in RemedyPolicy.objects.filter(
            Q(category_id=ticket.category_id) | Q(category__isnull=True),
            Q(severity=ticket.severity) | Q(severity=""),
        )
    }
    for key in (
        (ticket.category_id, ticket.severity),
        (ticket.category_id, ""),
        (None, ticket.severity),
        (None, ""),
    ):
        if key in rows:
            return rows[key]
    return RemedyPolicy(kind=RemedyKind.APOLOGY, amount=Decimal("0"))


def approval_rank_needed(amount: Decimal) -> int:
    """The lowest rung whose approval limit covers ``amount``."""
    for limit in ApprovalLimit.objects.order_by("rank"):
        if limit.amount is None or limit.amount >= amount:
            return limit.rank
    return max(LADDER)


def approval_limit_of(user: Any) -> Decimal | None:
    rank = user_rank(user)
    limit = ApprovalLimit.objects.filter(rank__lte=rank).order_by("-rank").first()
    if limit is None:
        return Decimal("-1")
    return limit.amount


def _amount_clean(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip() or "x")
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("金额必须是数字（元），例如 200 或 99.50。"),
            field="amount",
            code="invalid",
        ) from None
    if not amount.is_finite() or amount < 0 or amount >= AMOUNT_MAX:
        raise DomainError(
            _("金额必须在 0 到 1 亿元之间。"), field="amount", code="out_of_range"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("金额最多保留两位小数。"), field="amount", code="invalid")
    return amount.quantize(Decimal("0.01"))


def _guard_remedy(ticket: Ticket) -> None:
    complaint = complaint_ensure(ticket)
    if complaint.findings_at is None:
        raise DomainError(
            _("责任部门尚未记录调查结果，不能提出补救。"),
            field="action",
            code="no_findings",
        )


@transaction.atomic
def complaint_propose_remedy(
    *,
    ticket: Ticket,
    actor: User,
    asked: str,
    kind: str,
    amount: Any,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """补救 by policy: less than the policy gives is refused; the policy's remedy is
    approved at once; more (or another kind) needs approval by a rung whose limit
    covers it — the proposer's own if it does, else it waits (remedy_pending)."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_work_complaint, action="propose_remedy"
    )
    asked = body_clean(asked, field="asked", label=_("客户的要求"))
    if kind not in RemedyKind.values:
        raise DomainError(_("请选择补救方式。"), field="kind", code="invalid_choice")
    amount = _amount_clean(amount)
    policy = remedy_policy_for(ticket)
    if amount < policy.amount:
        raise DomainError(
            _(
                "补救不能低于政策规定：%(kind)s %(amount)s 元（责任归属要明确，补救要保留弹性，"
                "但不得少于政策）。"
            )
            % {"kind": RemedyKind(policy.kind).label, "amount": policy.amount},
            field="amount",
            code="below_policy",
        )
    remedy = Remedy(
        complaint=complaint,
        asked=asked,
        kind=kind,
        amount=amount,
        policy_kind=policy.kind,
        policy_amount=policy.amount,
        proposed_by=actor,
    )
    now = timezone.now()
    needed = approval_rank_needed(amount) if remedy.above_policy else 0
    remedy.needs_rank = needed
    own_limit_covers = (
        needed and user_rank(actor) >= needed and can_approve_remedy(actor, ticket)
    )
    if not remedy.above_policy or own_limit_covers:
        remedy.status = Remedy.Status.APPROVED
        remedy.decided_by, remedy.decided_at = actor, now
        remedy.comment = (
            _("符合补救政策。")
            if not remedy.above_policy
            else _("在本人授权额度内批准。")
        )
    else:
        remedy.status = Remedy.Status.PENDING
    remedy.save()
    if own_limit_covers and complaint.escalation_level < needed:
        complaint.escalation_level = needed
        complaint.save(update_fields=["escalation_level", "updated_at"])
    body = _(
        "提出补救：%(kind)s %(amount)s 元（客户要求：%(asked)s；政策规定：%(pkind)s %(pamount)s 元）。"
    ) % {
        "kind": RemedyKind(kind).label,
        "amount": amount,
        "asked": asked,
        "pkind": RemedyKind(policy.kind).label,
        "pamount": policy.amount,
    }
    if remedy.status == Remedy.Status.PENDING:
        tickets.ticket_status_change(
            ticket=ticket,
            actor=actor,
            status=S.REMEDY_PENDING,
            public=False,
            reason=body,
        )
        role = LADDER[needed]
        for pk in _users_of_role(role):
            tickets.ticket_tell(
                pk,
                title=_("补救待您审批：%(number)s %(kind)s %(amount)s 元")
                % {
                    "number": ticket.number,
                    "kind": RemedyKind(kind).label,
                    "amount": amount,
                },
                ticket=ticket,
                key=f"complaint.remedy.{remedy.pk}.{pk}",
            )
    else:
        tickets.ticket_save(ticket, [])
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.APPROVAL,
        actor=actor,
        body=body,
        remedy=remedy.pk,
        status=remedy.status,
    )
    return ticket


@transaction.atomic
def complaint_approve_remedy(
    *,
    ticket: Ticket,
    actor: User,
    approve: bool,
    comment: str = "",
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Approve or refuse the pending remedy; only a rung whose limit covers the
    amount may approve (the supervisor, the service manager, the general manager,
    each within their limit)."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_approve_remedy, action="approve_remedy"
    )
    remedy = (
        complaint.remedies.filter(status=Remedy.Status.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if remedy is None:  # pragma: no cover - the status says there is one
        raise DomainError(_("没有待审批的补救。"), field="action", code="none")
    limit = approval_limit_of(actor)
    if approve and limit is not None and limit < remedy.amount:
        raise DomainError(
            _(
                "补救金额 %(amount)s 元超出您的授权额度（%(limit)s 元），请由上一级审批。"
            )
            % {"amount": remedy.amount, "limit": max(limit, Decimal("0"))},
            field="approve",
            code="over_limit",
        )
    comment = (comment or "").strip()[:2000]
    if not approve and not comment:
        raise DomainError(_("不批准时请说明理由。"), field="comment", code="required")
    now = timezone.now()
    remedy.status = Remedy.Status.APPROVED if approve else Remedy.Status.REJECTED
    remedy.decided_by, remedy.decided_at, remedy.comment = actor, now, comment
    remedy.save()
    rank = user_rank(actor)
    if approve and complaint.escalation_level < rank:
        complaint.escalation_level = rank
        complaint.save(update_fields=["escalation_level", "updated_at"])
    tickets.ticket_status_change(
        ticket=ticket,
        actor=actor,
        status=S.INVESTIGATING,
        public=False,
        reason=comment,
    )
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.APPROVAL,
        actor=actor,
        body=(
            _("批准补救：%(kind)s %(amount)s 元。%(comment)s")
            if approve
            else _("未批准补救：%(kind)s %(amount)s 元。%(comment)s")
        )
        % {
            "kind": remedy.get_kind_display(),
            "amount": remedy.amount,
            "comment": comment,
        },
        remedy=remedy.pk,
        status=remedy.status,
    )
    tickets.ticket_tell(
        remedy.proposed_by_id if remedy.proposed_by_id != actor.pk else None,
        title=(
            _("补救已批准：%(number)s") if approve else _("补救未获批准：%(number)s")
        )
        % {"number": ticket.number},
        ticket=ticket,
        key=f"complaint.remedy.decided.{remedy.pk}",
    )
    return ticket


# --- reply, follow-up, close, archive ----------------------------------------------------


def _guard_reply(ticket: Ticket) -> None:
    complaint = complaint_ensure(ticket)
    if complaint.valid is None:
        raise DomainError(
            _("请先判断投诉是否有效。"), field="action", code="not_assessed"
        )
    if complaint.valid and ticket.status == S.ASSESSING:
        raise DomainError(
            _("有效投诉须先交责任部门调查，再答复客户。"),
            field="action",
            code="not_investigated",
        )
    if complaint.valid:
        latest = complaint.remedies.order_by("-created_at", "-pk").first()
        if complaint.findings_at is None:
            raise DomainError(
                _("责任部门尚未记录调查结果，不能答复处理结果。"),
                field="action",
                code="no_findings",
            )
        if latest is None or latest.status != Remedy.Status.APPROVED:
            raise DomainError(
                _("补救方案尚未确定（提出并获批准）之前，不能答复处理结果。"),
                field="action",
                code="no_remedy",
            )


@transaction.atomic
def complaint_reply(
    *,
    ticket: Ticket,
    actor: User,
    body: str,
    confirm_promise_wording: bool = False,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """答复: the outcome told to the customer (subject to the promise-wording
    check); the complaint waits for the follow-up."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_work_complaint, action="reply"
    )
    tickets.ticket_event_add(
        ticket=ticket,
        actor=actor,
        kind=K.REPLY,
        body=body,
        confirm={"promise_wording"} if confirm_promise_wording else (),
        request=request,
    )
    complaint.replied_at = timezone.now()
    complaint.save(update_fields=["replied_at", "updated_at"])
    ticket = tickets.ticket_lock(ticket)
    fields = []
    if ticket.first_response_at is None:  # pragma: no cover - the reply set it
        ticket.first_response_at = complaint.replied_at
        fields.append("first_response_at")
    tickets.ticket_status_change(
        ticket=ticket, actor=actor, status=S.REPLIED, fields=fields
    )
    return ticket


@transaction.atomic
def complaint_follow_up(
    *,
    ticket: Ticket,
    actor: User,
    satisfied: bool,
    handling_ok: bool,
    systemic: bool,
    corrective_done: bool,
    comment: str = "",
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """事后评鉴: is the customer satisfied, was the handling right, is the cause
    systemic, is the corrective action done. An unsatisfied customer sends the
    complaint back to handling and escalates it one rung at once."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_work_complaint, action="follow_up"
    )
    comment = (comment or "").strip()
    if len(comment) > 10000:
        raise DomainError(_("回访记录太长。"), field="comment", code="max_length")
    if not satisfied and not comment:
        raise DomainError(
            _("客户不满意时请记录客户的意见。"), field="comment", code="required"
        )
    complaint.satisfied = bool(satisfied)
    complaint.handling_ok = bool(handling_ok)
    complaint.systemic = bool(systemic)
    complaint.corrective_done = bool(corrective_done)
    complaint.follow_up_comment = comment
    complaint.followed_up_at = timezone.now()
    complaint.save()
    yes, no = _("是"), _("否")
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.NOTE,
        actor=actor,
        body=_(
            "回访：客户满意 %(s)s；处理得当 %(h)s；系统性原因 %(y)s；纠正措施已完成 %(c)s。%(comment)s"
        )
        % {
            "s": yes if satisfied else no,
            "h": yes if handling_ok else no,
            "y": yes if systemic else no,
            "c": yes if corrective_done else no,
            "comment": comment,
        },
        follow_up=True,
        satisfied=bool(satisfied),
    )
    if satisfied:
        tickets.ticket_status_change(ticket=ticket, actor=actor, status=S.FOLLOW_UP)
    else:
        back = S.INVESTIGATING if complaint.valid else S.ASSESSING
        tickets.ticket_status_change(
            ticket=ticket, actor=actor, status=back, reason=comment
        )
        _escalate(
            ticket,
            complaint,
            actor=None,
            reason=_("回访时客户不满意：%(comment)s") % {"comment": comment},
            automatic=True,
        )
    return ticket


def _guard_close(ticket: Ticket) -> None:
    complaint = complaint_ensure(ticket)
    if complaint.valid is False:
        return
    if complaint.followed_up_at is None or not complaint.satisfied:
        raise DomainError(
            _("有效投诉须回访（事后评鉴）且客户满意后才能关闭。"),
            field="action",
            code="no_follow_up",
        )
    if complaint.systemic and not complaint.corrective_done:
        raise DomainError(
            _("原因是系统性的，纠正措施完成后才能关闭。"),
            field="action",
            code="corrective_pending",
        )


@transaction.atomic
def complaint_archive(
    *,
    ticket: Ticket,
    actor: User,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """归档: a closed complaint joins the archive (the case library reads it)."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_work_complaint, action="archive"
    )
    complaint.archived_at = timezone.now()
    complaint.save(update_fields=["archived_at", "updated_at"])
    tickets.ticket_status_change(ticket=ticket, actor=actor, status=S.ARCHIVED)
    return ticket


# --- escalation -------------------------------------------------------------------------


def _escalate(
    ticket: Ticket,
    complaint: Complaint | None,
    *,
    actor: Any,
    reason: str,
    automatic: bool,
) -> int:
    """One rung up the ladder (supervisor → service manager → general manager);
    at the top, the general manager is told again. Returns the new rung."""
    if complaint is not None:
        current = complaint.escalation_level
    else:
        current = TicketEvent.objects.filter(
            ticket=ticket, kind=K.ESCALATION, data__level__isnull=False
        ).count()
    if current >= max(LADDER) and not automatic:
        raise DomainError(
            _("投诉已升级到总经理，这是最高一级。"),
            field="action",
            code="top_of_ladder",
        )
    level = min(current + 1, max(LADDER))
    now = timezone.now()
    if complaint is not None:
        complaint.escalation_level = level
        complaint.escalated_at = now
        complaint.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    role = LADDER[level]
    event = tickets.ticket_event_write(
        ticket=ticket,
        kind=K.ESCALATION,
        actor=actor,
        body=_("升级到%(role)s：%(reason)s")
        % {"role": Complaint.Level(level).label, "reason": reason},
        level=level,
        role=str(role),
        automatic=automatic,
        reason=reason,
    )
    for pk in _users_of_role(role):
        tickets.ticket_tell(
            pk,
            title=_("投诉升级到您（%(role)s）：%(number)s %(subject)s")
            % {
                "role": Complaint.Level(level).label,
                "number": ticket.number,
                "subject": ticket.subject,
            },
            ticket=ticket,
            key=f"complaint.escalate.{ticket.pk}.{event.pk}.{pk}",
        )
    return level


@transaction.atomic
def complaint_escalate(
    *,
    ticket: Ticket,
    actor: User | None,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """升级 one rung, with a reason. ``actor`` None is an automatic escalation (the
    service levels' breach sweep calls this for any open ticket); a person must
    be allowed and the ticket open."""
    if actor is None:
        ticket = tickets.ticket_lock(ticket)
        complaint = (
            complaint_ensure(ticket) if ticket.type == Ticket.Type.COMPLAINT else None
        )
        if not ticket.is_open:
            return ticket
        _escalate(ticket, complaint, actor=None, reason=reason, automatic=True)
        return ticket
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_escalate_complaint, action="escalate"
    )
    reason = reason_clean(reason, label=_("升级原因"))
    _escalate(ticket, complaint, actor=actor, reason=reason, automatic=False)
    tickets.ticket_save(ticket, [])
    return ticket


def complaint_breaches_escalate(breaches: list, now: Any) -> None:
    """The service levels' sweep hands over the complaints whose clock ran out:
    each goes one rung up the complaint ladder, automatically."""
    from sla.models import Clock

    labels = dict(Clock.choices)
    found = Ticket.objects.in_bulk([b.ticket_id for b in breaches])
    for breach in breaches:
        ticket = found.get(breach.ticket_id)
        if ticket is None:
            continue
        complaint_escalate(
            ticket=ticket,
            actor=None,
            reason=_("%(clock)s时限已过") % {"clock": labels[breach.clock]},
        )


# --- internal bulletin (内部通报) --------------------------------------------------------


@transaction.atomic
def complaint_bulletin(
    *,
    ticket: Ticket,
    actor: User,
    departments: list[Department],
    message: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Bulletin:
    """Broadcast a complaint to the departments concerned; each one must
    acknowledge it (its members are told)."""
    ticket, complaint = _lock(
        ticket, actor, version, allowed=can_send_bulletin, action="bulletin"
    )
    message = body_clean(message, field="message", label=_("通报内容"))
    departments = list({d.pk: d for d in departments}.values())
    if not departments:
        raise DomainError(
            _("请至少选择一个通报部门。"), field="departments", code="required"
        )
    bulletin = Bulletin.objects.create(
        complaint=complaint, message=message, sent_by=actor
    )
    BulletinAck.objects.bulk_create(
        [BulletinAck(bulletin=bulletin, department=d) for d in departments]
    )
    names = "、".join(d.name for d in departments)
    tickets.ticket_event_write(
        ticket=ticket,
        kind=K.NOTE,
        actor=actor,
        body=_("内部通报（%(names)s）：%(message)s")
        % {"names": names, "message": message},
        bulletin=bulletin.pk,
    )
    tickets.ticket_save(ticket, [])
    _bulletin_tell(bulletin, [d.pk for d in departments], reminder=False)
    return bulletin


def _bulletin_tell(bulletin: Bulletin, department_ids: list[int], *, reminder: bool):
    ticket = bulletin.complaint.ticket
    users = list(
        User.objects.filter(department_id__in=department_ids, is_active=True)
        .exclude(pk=bulletin.sent_by_id)
        .values_list("pk", flat=True)
    )
    title = (
        _("请确认内部通报（提醒）：%(number)s %(subject)s")
        if reminder
        else _("内部通报待确认：%(number)s %(subject)s")
    ) % {"number": ticket.number, "subject": ticket.subject}
    stamp = timezone.now().timestamp()
    url = f"/complaints/bulletins/{bulletin.pk}/"

    def send() -> None:
        for pk in users:
            notify_user(
                user=User(pk=pk),
                title=title,
                url=url,
                key=f"complaint.bulletin.{bulletin.pk}.{pk}.{stamp}",
            )

    transaction.on_commit(send)
    # The departments' group robots (企业微信 / 钉钉 / 飞书) carry it too.
    from channels.services import robots_broadcast

    for department_id in department_ids:
        robots_broadcast(
            department_id,
            title,
            bulletin.message,
            key=f"complaint.bulletin.{bulletin.pk}.{department_id}.{stamp}",
        )


@transaction.atomic
def bulletin_acknowledge(
    *, bulletin: Bulletin, actor: User, request: HttpRequest | None = None
) -> BulletinAck:
    """The actor's department acknowledges the bulletin (once)."""
    ack = (
        BulletinAck.objects.select_for_update()
        .filter(bulletin=bulletin, department_id=actor.department_id)
        .first()
    )
    if ack is None or not can_acknowledge_bulletin(actor, ack.department_id):
        raise PermissionDenied
    if ack.acknowledged_at is not None:
        raise DomainError(
            _("本部门已经确认过这条通报。"), field="bulletin", code="already"
        )
    ack.acknowledged_at = timezone.now()
    ack.acknowledged_by = actor
    ack.save(update_fields=["acknowledged_at", "acknowledged_by"])
    tickets.ticket_event_write(
        ticket=bulletin.complaint.ticket,
        kind=K.NOTE,
        actor=actor,
        body=_("%(department)s已确认内部通报。")
        % {"department": actor.department.name},
        bulletin=bulletin.pk,
        acknowledged=True,
    )
    return ack


@transaction.atomic
def bulletin_remind(
    *, bulletin: Bulletin, actor: User, request: HttpRequest | None = None
) -> int:
    """Remind the departments that have not acknowledged; returns how many."""
    if not can_remind_bulletin(actor, bulletin):
        raise PermissionDenied
    pending = list(
        BulletinAck.objects.select_for_update().filter(
            bulletin=bulletin, acknowledged_at__isnull=True
        )
    )
    if not pending:
        raise DomainError(
            _("所有部门都已确认，无需提醒。"), field="bulletin", code="none_pending"
        )
    now = timezone.now()
    for ack in pending:
        ack.reminded_at = now
        ack.remind_count += 1
    BulletinAck.objects.bulk_update(pending, ["reminded_at", "remind_count"])
    _bulletin_tell(bulletin, [a.department_id for a in pending], reminder=True)
    return len(pending)


# --- appeal (the portal's) ---------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def complaint_appeal(
    *, ticket: Ticket, reason: str, request: HttpRequest | None = None
) -> Ticket:
    """申诉: the customer appeals a closed complaint (their words on the
    timeline); it is assessed again and escalated one rung at once."""
    from tickets.customer import ticket_customer_appeal

    ticket = ticket_customer_appeal(ticket=ticket, reason=reason, request=request)
    complaint = complaint_ensure(ticket)
    complaint.valid = None
    complaint.satisfied = None
    complaint.save(update_fields=["valid", "satisfied", "updated_at"])
    _escalate(
        ticket,
        complaint,
        actor=None,
        reason=_("客户申诉：%(reason)s") % {"reason": reason.strip()},
        automatic=True,
    )
    return ticket


def guards_install() -> None:
    from tickets.extensions import transition_guard_register

    transition_guard_register("complaint", "assign_department", _guard_assign)
    transition_guard_register("complaint", "propose_remedy", _guard_remedy)
    transition_guard_register("complaint", "reply", _guard_reply)
    transition_guard_register("complaint", "close", _guard_close)
