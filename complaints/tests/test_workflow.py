"""The complaint workflow in its enforced order: each step allowed and refused
(order, role, department), and the doctrine's rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from complaints.models import Complaint, Remedy, RemedyPolicy
from core.errors import DomainError
from notify.models import Notification

pytestmark = pytest.mark.django_db


def to_investigating(act, ticket):
    act(ticket, "assess", "agent", valid=True, reason="外箱破损属实")
    return act(
        ticket,
        "assign_department",
        "agent",
        department="transport",
        reason="运输途中破损",
    )


def to_findings(act, ticket):
    to_investigating(act, ticket)
    return act(
        ticket,
        "record_findings",
        "transport",
        findings="装车时未加固，途中挤压",
        root_cause="procedure",
        responsibility="ours",
    )


def test_the_whole_way_from_accepted_to_archived(act, complaint, users):
    """Assess → department → findings → remedy (policy) → reply → follow-up →
    close → archive, the ticket back with its handler after the investigation."""
    ticket = complaint()
    assert ticket.status == "accepted"
    ticket = act(ticket, "assess", "agent", valid=True, reason="外箱破损属实")
    assert ticket.status == "assessing"
    ticket = act(
        ticket, "assign_department", "agent", department="transport", reason="运输破损"
    )
    assert ticket.status == "investigating"
    assert ticket.owner == users["deptmgr"] and ticket.unassigned
    ticket = act(
        ticket,
        "record_findings",
        "transport",
        findings="装车未加固",
        root_cause="procedure",
        responsibility="ours",
    )
    assert ticket.owner == users["agent"] and ticket.status == "investigating"
    ticket = act(
        ticket, "propose_remedy", "agent", asked="要求赔偿", kind="apology", amount="0"
    )
    assert ticket.status == "investigating"
    assert Remedy.objects.get().status == "approved"
    ticket = act(
        ticket, "reply", "agent", body="我们已查明原因，三个工作日内上门处理。"
    )
    assert ticket.status == "replied"
    ticket = act(
        ticket,
        "follow_up",
        "agent",
        satisfied=True,
        handling_ok=True,
        systemic=False,
        corrective_done=True,
    )
    assert ticket.status == "follow_up"
    ticket = act(ticket, "close", "agent")
    assert ticket.status == "closed"
    ticket = act(ticket, "archive", "agent")
    assert ticket.status == "archived"
    assert Complaint.objects.get(pk=ticket.pk).archived_at is not None


@pytest.mark.parametrize(
    "name,data",
    [
        ("assign_department", {"department": "transport", "reason": "x"}),
        (
            "record_findings",
            {"findings": "x", "root_cause": "other", "responsibility": "ours"},
        ),
        ("propose_remedy", {"asked": "x", "kind": "apology", "amount": "0"}),
        ("reply", {"body": "您好"}),
        ("follow_up", {"satisfied": True}),
        ("close", {}),
        ("archive", {}),
    ],
)
def test_no_step_before_the_assessment(act, complaint, name, data):
    """Out of order is refused on field ``action``; nothing changes."""
    ticket = complaint()
    with pytest.raises(DomainError) as info:
        act(ticket, name, "agent", **data)
    assert info.value.field == "action"
    ticket.refresh_from_db()
    assert ticket.status == "accepted" and ticket.version == 1


def test_an_invalid_complaint_is_answered_and_closed_without_investigation(
    act, complaint
):
    ticket = complaint()
    ticket = act(ticket, "assess", "agent", valid=False, reason="超过保价期")
    with pytest.raises(DomainError):
        act(ticket, "assign_department", "agent", department="transport", reason="x")
    ticket = act(
        ticket, "reply", "agent", body="经核实，该情况不属于服务范围，特此说明。"
    )
    ticket = act(ticket, "close", "agent")
    assert ticket.status == "closed"


def test_a_valid_complaint_is_not_answered_before_investigation_and_remedy(
    act, complaint
):
    ticket = complaint()
    act(ticket, "assess", "agent", valid=True, reason="属实")
    with pytest.raises(DomainError, match="调查"):
        act(ticket, "reply", "agent", body="处理结果")
    to_findings_ticket = act(
        ticket, "assign_department", "agent", department="transport", reason="x"
    )
    act(
        to_findings_ticket,
        "record_findings",
        "transport",
        findings="f",
        root_cause="other",
        responsibility="unclear",
    )
    with pytest.raises(DomainError, match="补救"):
        act(ticket, "reply", "agent", body="处理结果")


def test_assessment_needs_a_reason_and_the_owner(act, complaint):
    ticket = complaint()
    with pytest.raises(DomainError) as info:
        act(ticket, "assess", "agent", valid=True, reason=" ")
    assert info.value.field == "reason"
    with pytest.raises(PermissionDenied):
        act(ticket, "assess", "agent2", valid=True, reason="属实")
    with pytest.raises(PermissionDenied):
        act(ticket, "assess", "transport", valid=True, reason="属实")


def test_only_the_responsible_department_records_findings(act, complaint):
    ticket = complaint()
    to_investigating(act, ticket)
    for outsider in ("warehouse", "agent2"):
        with pytest.raises(PermissionDenied):
            act(
                ticket,
                "record_findings",
                outsider,
                findings="f",
                root_cause="other",
                responsibility="ours",
            )
    with pytest.raises(DomainError) as info:
        act(
            ticket,
            "record_findings",
            "transport",
            findings="f",
            root_cause="nope",
            responsibility="ours",
        )
    assert info.value.field == "root_cause"
    with pytest.raises(DomainError) as info:
        act(
            ticket,
            "record_findings",
            "transport",
            findings="f",
            root_cause="other",
            responsibility="x",
        )
    assert info.value.field == "responsibility"


def test_a_remedy_below_policy_is_refused(act, complaint):
    ticket = complaint(severity="major")
    RemedyPolicy.objects.create(severity="major", kind="voucher", amount=Decimal("200"))
    to_findings(act, ticket)
    with pytest.raises(DomainError) as info:
        act(
            ticket,
            "propose_remedy",
            "agent",
            asked="退款",
            kind="voucher",
            amount="100",
        )
    assert info.value.field == "amount" and info.value.code == "below_policy"
    assert not Remedy.objects.exists()


@pytest.mark.parametrize(
    "amount,approver,refused",
    [
        ("400", "supervisor", []),
        ("1500", "manager", ["supervisor"]),
        ("5000", "gm", ["supervisor", "manager"]),
    ],
)
def test_a_remedy_above_policy_waits_for_a_role_whose_limit_covers_it(
    act, complaint, users, amount, approver, refused
):
    ticket = complaint()
    to_findings(act, ticket)
    ticket = act(
        ticket,
        "propose_remedy",
        "agent",
        asked="要求补偿",
        kind="refund",
        amount=amount,
    )
    assert ticket.status == "remedy_pending"
    role = {
        "supervisor": "supervisor",
        "manager": "service_manager",
        "gm": "general_manager",
    }[approver]
    assert Notification.objects.filter(
        user=users[approver], title__contains="补救待您审批"
    ).exists()
    assert role
    for name in refused:
        with pytest.raises(DomainError) as info:
            act(ticket, "approve_remedy", name, approve=True)
        assert info.value.code == "over_limit"
    with pytest.raises(PermissionDenied):
        act(ticket, "approve_remedy", "agent", approve=True)
    ticket = act(ticket, "approve_remedy", approver, approve=True, comment="同意")
    assert ticket.status == "investigating"
    assert Remedy.objects.get().status == "approved"


def test_a_refused_remedy_needs_a_reason(act, complaint):
    ticket = complaint()
    to_findings(act, ticket)
    act(
        ticket, "propose_remedy", "agent", asked="要求补偿", kind="refund", amount="300"
    )
    with pytest.raises(DomainError) as info:
        act(ticket, "approve_remedy", "supervisor", approve=False)
    assert info.value.field == "comment"
    ticket = act(
        ticket, "approve_remedy", "supervisor", approve=False, comment="超出合理范围"
    )
    assert ticket.status == "investigating"
    assert Remedy.objects.get().status == "rejected"


def test_a_remedy_within_the_proposers_own_limit_is_approved_at_once(act, complaint):
    ticket = complaint(actor="supervisor")
    act(ticket, "assess", "supervisor", valid=True, reason="属实")
    act(ticket, "assign_department", "supervisor", department="transport", reason="x")
    act(
        ticket,
        "record_findings",
        "transport",
        findings="f",
        root_cause="other",
        responsibility="ours",
    )
    ticket = act(
        ticket, "propose_remedy", "supervisor", asked="a", kind="refund", amount="300"
    )
    assert ticket.status == "investigating"
    assert Remedy.objects.get().decided_by.username == "supervisor"


def test_bad_amounts_name_the_field(act, complaint):
    ticket = complaint()
    to_findings(act, ticket)
    for bad in ("abc", "-1", "1.234", "", "1e20"):
        with pytest.raises(DomainError) as info:
            act(ticket, "propose_remedy", "agent", asked="a", kind="refund", amount=bad)
        assert info.value.field == "amount", bad


def test_closing_needs_the_follow_up_and_the_corrective_action(act, complaint):
    ticket = complaint()
    to_findings(act, ticket)
    act(ticket, "propose_remedy", "agent", asked="a", kind="apology", amount="0")
    act(ticket, "reply", "agent", body="已处理")
    with pytest.raises(DomainError, match="回访"):
        act(ticket, "close", "agent")
    act(
        ticket,
        "follow_up",
        "agent",
        satisfied=True,
        handling_ok=True,
        systemic=True,
        corrective_done=False,
    )
    with pytest.raises(DomainError, match="纠正措施"):
        act(ticket, "close", "agent")
    act(
        ticket,
        "follow_up",
        "agent",
        satisfied=True,
        handling_ok=True,
        systemic=True,
        corrective_done=True,
    )
    assert act(ticket, "close", "agent").status == "closed"


def test_department_staff_see_only_the_complaints_of_their_department(
    act, complaint, users, client
):
    """transport works the complaint sent to it; warehouse (the registrant of
    another) sees that one's status only, and nothing of the first."""
    ours = complaint(subject="运输破损")
    to_investigating(act, ours)
    theirs = complaint(actor="warehouse", subject="仓库发错货")
    client.force_login(users["warehouse"])
    assert client.get(f"/tickets/{ours.number}/").status_code == 404
    page = client.get(f"/tickets/{theirs.number}/")
    assert page.status_code == 200
    assert b'data-testid="complaint-panel"' not in page.content
    client.force_login(users["transport"])
    assert client.get(f"/tickets/{theirs.number}/").status_code == 404
    page = client.get(f"/tickets/{ours.number}/")
    assert b'data-testid="complaint-panel"' in page.content
    assert b'data-testid="action-record_findings"' in page.content
