"""The action registry is open: another module adds its own statuses' flow and
actions, and the pages and the API run them with no change to this app (what the
complaint workflow will do with ``assess``, ``assign_department`` …)."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from ninja import Field, Schema

from accounts.services import api_token_issue
from core.errors import DomainError
from core.versioning import version_check, versioned_update
from tickets import actions, workflow
from tickets.models import Ticket, TicketEvent
from tickets.permissions import can_edit_ticket

pytestmark = pytest.mark.django_db


class AssessIn(Schema):
    valid: bool
    reason: str = Field("", max_length=200)


@transaction.atomic
def _assess(*, ticket, actor, version, request, valid, reason):
    """A stand-in for the complaint issue's service."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not can_edit_ticket(actor, ticket):
        raise PermissionDenied
    workflow.transition_check(ticket, "assess")
    version_check(ticket, version)
    if not reason.strip():
        raise DomainError("请说明判断理由。", field="reason", code="required")
    previous = ticket.status
    ticket.status = "assessing"
    versioned_update(ticket, version=ticket.version, fields=["status"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind="status",
        actor=actor,
        is_public=True,
        data={"from": previous, "to": "assessing", "valid": valid, "reason": reason},
        created_at=timezone.now(),
    )
    return ticket


@pytest.fixture
def complaint_flow():
    saved_actions = dict(actions.ACTIONS)
    saved_flows = dict(workflow.FLOWS)
    saved_types = dict(workflow.FLOW_OF_TYPE)
    workflow.flow_register(
        "complaint",
        {**workflow.SIMPLE_FLOW, "assess": {"accepted"}, "resolve": set()},
        types=["complaint"],
    )
    actions.action_register(
        actions.TicketAction(
            name="assess",
            label="投诉判断",
            schema=AssessIn,
            perform=_assess,
            permitted=can_edit_ticket,
            possible=lambda t: workflow.transition_allowed(t, "assess"),
            primary=True,
        )
    )
    yield
    actions.ACTIONS.clear()
    actions.ACTIONS.update(saved_actions)
    workflow.FLOWS.clear()
    workflow.FLOWS.update(saved_flows)
    workflow.FLOW_OF_TYPE.clear()
    workflow.FLOW_OF_TYPE.update(saved_types)


def test_a_registered_action_runs_through_the_api(
    client, users, make_ticket, complaint_flow
):
    complaint = make_ticket(type="complaint")
    inquiry = make_ticket(type="inquiry")
    key = api_token_issue(user=users["agent"])[0]

    def act(ticket, name, body):
        response = client.post(
            f"/api/v1/tickets/{ticket.number}/actions/{name}",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        return response.status_code, json.loads(response.content)

    status, body = act(complaint, "resolve", {"summary": "x"})
    assert status == 422 and body["errors"][0]["field"] == "action"
    status, body = act(complaint, "assess", {"valid": "maybe", "reason": "x"})
    assert status == 422 and body["errors"][0]["field"] == "valid"
    status, body = act(complaint, "assess", {"valid": True, "reason": "", "version": 1})
    assert status == 422 and body["errors"][0]["field"] == "reason"
    status, body = act(
        complaint, "assess", {"valid": True, "reason": "属实", "version": 1}
    )
    assert status == 200 and body["status"] == "assessing" and body["version"] == 2
    status, body = act(inquiry, "assess", {"valid": True, "reason": "x"})
    assert status == 422 and body["errors"][0]["code"] == "invalid_transition"
    status, body = act(inquiry, "resolve", {"summary": "已答复"})
    assert status == 200 and body["status"] == "resolved"


def test_a_registered_action_is_offered_and_run_on_the_page(
    client, users, make_ticket, complaint_flow
):
    complaint = make_ticket(type="complaint")
    client.force_login(users["agent"])
    html = client.get(f"/tickets/{complaint.number}/").content.decode()
    assert 'data-testid="action-assess"' in html
    assert 'data-testid="action-resolve"' not in html
    response = client.post(
        f"/tickets/{complaint.number}/actions/assess/",
        {"version": 1, "valid": "true", "reason": "属实"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=complaint.pk).status == "assessing"
