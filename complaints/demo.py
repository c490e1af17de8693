"""Demo step: the complaint workflow of 华东捷运物流有限公司 — the remedy policy,
the complaint records of the demo's complaint tickets, and a dozen recent
complaints walked through the real services to every step (assessed, with a
department, investigated, awaiting approval, answered, followed up, closed,
archived, escalated), with remedies, bulletins and recurrences. Fast: the older
records are bulk-written, only the dozen go through the services."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from complaints import services
from complaints.defaults import defaults_ensure
from complaints.models import Complaint, RemedyPolicy
from core.demo import DemoContext
from customers.models import Customer
from tickets import services as ticket_services
from tickets.models import Ticket, TicketCategory

POLICY = [
    ("damaged", "", "reship", "0", "破损货物补发"),
    ("damaged", "major", "refund", "300", "严重破损：按货值退款，起点 300 元"),
    ("late", "", "voucher", "20", "延误：运费代金券 20 元"),
    ("late", "major", "voucher", "50", "严重延误：运费代金券 50 元"),
    ("wrong", "", "reship", "0", "错发漏发：补发"),
    ("attitude", "", "apology", "0", "服务态度：书面致歉"),
]

# subject, category, severity, source, how far it gets
WALKS = [
    ("纸箱压坏，三台显示器屏幕碎裂", "damaged", "major", "customer", "archived"),
    ("同一批次冷链货物到达时已化冻", "damaged", "normal", "customer", "closed"),
    ("再次投诉：同一批次货物又有破损", "damaged", "normal", "customer", "follow_up"),
    ("快件延误五天，错过展会", "late", "major", "12315", "replied"),
    ("派送员态度恶劣，拒绝送货上楼", "attitude", "normal", "customer", "pending"),
    ("整车货物错发到外省", "wrong", "major", "customer", "investigating"),
    ("多位收件人反映包裹被拆", "damaged", "critical", "media", "department"),
    ("投诉运费多收", "other", "minor", "customer", "invalid"),
    ("仓库出库漏发两箱", "wrong", "normal", "consumer_association", "assessing"),
    ("回访后仍不满意：破损赔付太少", "damaged", "major", "customer", "escalated"),
    ("签收前货物被冒领", "late", "normal", "customer", "accepted"),
]

STEPS = [
    "accepted",
    "assessing",
    "department",
    "investigating",
    "pending",
    "replied",
    "follow_up",
    "closed",
    "archived",
]


def _policy(categories: dict[str, TicketCategory]) -> None:
    for code, severity, kind, amount, note in POLICY:
        RemedyPolicy.objects.get_or_create(
            category=categories.get(code),
            severity=severity,
            defaults={"kind": kind, "amount": Decimal(amount), "note": note},
        )


def _records_for_bulk_tickets() -> None:
    """The demo's earlier complaint tickets get their workflow records."""
    have = Complaint.objects.values("pk")
    rows = [
        Complaint(
            ticket_id=t.pk,
            customer_id=t.customer_id,
            category_id=t.category_id,
            product=t.product,
            order_ref=t.order_ref,
            batch=t.batch,
            registered_at=t.created_at,
            valid=True if t.status in ("resolved", "closed") else None,
            satisfied=True if t.status == "closed" else None,
        )
        for t in Ticket.objects.filter(type=Ticket.Type.COMPLAINT)
        .exclude(pk__in=have)
        .only(
            "pk",
            "customer_id",
            "category_id",
            "product",
            "order_ref",
            "batch",
            "created_at",
            "status",
        )
        .iterator(chunk_size=1000)
    ]
    Complaint.objects.bulk_create(rows, batch_size=1000)


def _walk(ticket: Ticket, goal: str, users: dict, cat: str) -> None:
    agent, transport = users["agent"], users["transport"]
    if goal == "accepted":
        return
    valid = goal != "invalid"
    services.complaint_assess(
        ticket=ticket,
        actor=agent,
        valid=valid,
        reason="经核实情况属实" if valid else "运费按合同计收，不属多收",
        group=cat == "critical",
    )
    if goal == "invalid":
        services.complaint_reply(
            ticket=ticket,
            actor=agent,
            body="经核实，运费按合同价格计收，附上明细供您核对。",
        )
        return
    if goal == "assessing":
        return
    department = users["warehouse"].department if "仓库" in ticket.subject else None
    department = department or transport.department
    services.complaint_assign_department(
        ticket=ticket, actor=agent, department=department, reason="请责任部门调查原因"
    )
    if goal == "department":
        return
    investigator = users["warehouse"] if department.code == "warehouse" else transport
    services.complaint_record_findings(
        ticket=ticket,
        actor=investigator,
        findings="装车时未使用护角和缠绕膜，途中颠簸造成挤压。",
        root_cause=services.RootCause.objects.get(code="procedure"),
        responsibility="ours",
    )
    if goal == "investigating":
        return
    policy = services.remedy_policy_for(ticket)
    big = goal in ("pending", "escalated", "archived")
    amount = policy.amount + (Decimal("1200") if big else Decimal("0"))
    services.complaint_propose_remedy(
        ticket=ticket,
        actor=agent,
        asked="要求按货值全额赔偿并书面道歉",
        kind=policy.kind if not big else "refund",
        amount=amount,
    )
    if goal == "pending":
        return
    if big:
        services.complaint_approve_remedy(
            ticket=ticket, actor=users["manager"], approve=True, comment="同意"
        )
    services.complaint_reply(
        ticket=ticket,
        actor=agent,
        body="已查明原因并落实补救，相关部门已整改包装流程。如有疑问请随时联系我们。",
    )
    if goal == "replied":
        return
    satisfied = goal != "escalated"
    services.complaint_follow_up(
        ticket=ticket,
        actor=agent,
        satisfied=satisfied,
        handling_ok=satisfied,
        systemic=True,
        corrective_done=goal in ("closed", "archived"),
        comment="" if satisfied else "客户认为补救金额太少",
    )
    if goal in ("follow_up", "escalated"):
        return
    ticket_services.ticket_close(ticket=ticket, actor=agent)
    if goal == "archived":
        services.complaint_archive(ticket=ticket, actor=agent)


def build(ctx: DemoContext) -> None:
    users = ctx.made["users"]
    defaults_ensure()
    categories = {c.code: c for c in TicketCategory.objects.all()}
    _policy(categories)
    _records_for_bulk_tickets()
    customers = list(
        Customer.objects.filter(kind=Customer.Kind.ORGANISATION).order_by("pk")[:40]
    ) or list(Customer.objects.order_by("pk")[:40])
    if not customers or Ticket.objects.filter(subject=WALKS[0][0]).exists():
        return
    made = []
    for index, (subject, cat, severity, source, goal) in enumerate(WALKS):
        # The batch's complaints come from one customer (they recur); the others
        # from customers of their own.
        customer = (
            customers[0]
            if "批次" in subject
            else customers[(index * 3 + 1) % len(customers)]
        )
        with transaction.atomic():
            ticket = ticket_services.ticket_create(
                actor=users["warehouse" if goal == "archived" else "agent"],
                type=Ticket.Type.COMPLAINT,
                channel=Ticket.Channel.PHONE,
                subject=subject,
                description=f"客户来电：{subject}。",
                severity=severity,
                source=source,
                product="冷链配送" if "冷链" in subject else "整车运输",
                batch="B20261101" if "批次" in subject else "",
                category=categories.get(cat),
                customer=customer,
            ).ticket
            if ticket.owner_id != users["agent"].pk:
                ticket_services.ticket_transfer(
                    ticket=ticket,
                    actor=users["supervisor"],
                    to_user=users["agent"],
                    reason="投诉由客服专员跟进",
                )
            _walk(
                Ticket.objects.get(pk=ticket.pk),
                goal,
                users,
                "critical" if severity == "critical" else cat,
            )
        made.append(ticket)
    first = made[1]
    services.complaint_bulletin(
        ticket=Ticket.objects.get(pk=first.pk),
        actor=users["agent"],
        departments=[users["transport"].department, users["warehouse"].department],
        message="同一批次冷链货物多次出现问题，请运输和仓储部门排查包装与温控。",
    )
    ctx.made["complaints"] = made
