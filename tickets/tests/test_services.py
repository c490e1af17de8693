"""The writes of tickets: registration (accept fast), the simple flow through the
action registry (every allowed and refused transition), transfers, the timeline,
edits with versions, handover and the automatic close."""

import datetime as dt
import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Department
from core.errors import Conflict, DomainError
from core.models import AuditEvent, PeriodicTick
from customers.models import Customer
from notify.models import Notification
from tickets import services
from tickets.actions import action_run
from tickets.models import Ticket, TicketCategory, TicketEvent, TicketNumberCounter

pytestmark = pytest.mark.django_db


def _refresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("owner", "department").get(pk=ticket.pk)


# --- registration ----------------------------------------------------------------


def test_customer_service_owns_what_it_registers_and_it_is_accepted_at_once(
    make_ticket, users
):
    """受理要快: an agent's registration is accepted at once and theirs."""
    ticket = make_ticket("agent")
    assert ticket.status == "accepted" and ticket.accepted_at is not None
    assert ticket.owner == users["agent"] and ticket.department.code == "cs"
    assert ticket.registered_by == users["agent"] and not ticket.unassigned
    assert re.fullmatch(r"KF\d{8}-\d{5}", ticket.number)
    created = ticket.events.get()
    assert created.kind == "created" and created.is_public
    assert created.data["status"] == "accepted"


def test_another_department_registers_and_the_dispatcher_receives_it(
    make_ticket, users, django_capture_on_commit_callbacks
):
    """A 仓储部 registration is accepted (the customer is not kept waiting) and goes
    to the customer service dispatcher's queue; the dispatcher is told."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket("warehouse")
    assert ticket.status == "accepted" and ticket.accepted_at is not None
    assert ticket.owner == users["supervisor"] and ticket.unassigned
    assert ticket.department.code == "cs"
    assert ticket.registered_by == users["warehouse"]
    note = Notification.objects.get(user=users["supervisor"])
    assert ticket.number in note.title and "待分派" in note.title


def test_without_a_dispatcher_the_registrant_keeps_the_ticket(make_ticket, users):
    """A complaint never waits: no dispatcher named, the registrant owns it."""
    Department.objects.filter(code="cs").update(dispatcher=None)
    ticket = make_ticket("warehouse")
    assert ticket.owner == users["warehouse"] and not ticket.unassigned
    assert ticket.department.code == "warehouse"


def test_api_tickets_wait_in_new_until_a_person_accepts(make_ticket, users):
    ticket = make_ticket("agent", entry=services.ENTRY_API)
    assert ticket.status == "new" and ticket.accepted_at is None
    assert ticket.owner == users["supervisor"] and ticket.unassigned
    accepted = services.ticket_accept(ticket=ticket, actor=users["agent2"])
    assert accepted.status == "accepted" and accepted.accepted_at is not None
    assert accepted.owner == users["agent2"] and not accepted.unassigned
    assert accepted.version == 2
    kinds = list(accepted.events.order_by("id").values_list("kind", "is_public"))
    assert kinds == [("created", True), ("status", True), ("assignment", False)]


def test_resolved_at_registration_is_a_first_contact_resolution(make_ticket, users):
    ticket = make_ticket("warehouse", resolution="已告知客户运单的预计到达时间。")
    assert ticket.status == "resolved" and not ticket.is_open
    assert ticket.first_contact_resolution
    assert ticket.owner == users["warehouse"]  # who solved it on the spot
    assert ticket.resolved_at == ticket.first_response_at == ticket.accepted_at
    status = ticket.events.get(kind="status")
    assert status.is_public and status.body == "已告知客户运单的预计到达时间。"


def test_an_angry_customer_raises_priority_by_one_step(make_ticket):
    assert make_ticket(mood="angry").priority == "high"
    assert make_ticket(mood="angry", priority="urgent").priority == "urgent"
    assert make_ticket(mood="upset", priority="low").priority == "low"


def test_complaints_from_outside_are_at_least_major(make_ticket):
    assert make_ticket(type="complaint").severity == "minor"
    assert make_ticket(type="complaint", source="12315").severity == "major"
    media = make_ticket(type="complaint", source="media", severity="critical")
    assert media.severity == "critical"


def test_a_new_customer_is_registered_on_the_spot_through_the_archive(
    make_ticket, users
):
    ticket = make_ticket(
        "warehouse",
        new_customer={"kind": "person", "name": "王先生", "phone": "10087654321"},
    )
    customer = ticket.customer
    assert customer.kind == "person" and customer.name == "王先生"
    assert customer.created_by == users["warehouse"] and customer.owner is None
    assert AuditEvent.objects.filter(
        event="customer.create", object_id=str(customer.pk)
    )
    org = make_ticket(
        new_customer={
            "kind": "organisation",
            "name": "瑞丰电器有限公司",
            "phone": "0512-01234567",
            "contact_name": "陈经理",
        }
    )
    assert org.contact.name == "陈经理" and org.customer.owner == users["agent"]


def test_bad_new_customer_fields_are_named_and_nothing_is_saved(make_ticket):
    before = (Customer.objects.count(), Ticket.objects.count())
    with pytest.raises(DomainError) as caught:
        make_ticket(new_customer={"kind": "person", "name": "", "phone": "abc"})
    assert caught.value.errors[0].field == "new_customer.name"
    assert (Customer.objects.count(), Ticket.objects.count()) == before


@pytest.mark.parametrize(
    "values,field",
    [
        ({"type": "gossip"}, "type"),
        ({"channel": ""}, "channel"),
        ({"subject": "  "}, "subject"),
        ({"subject": "长" * 201}, "subject"),
        ({"priority": "asap"}, "priority"),
        ({"mood": "furious"}, "mood"),
        ({"description": "a\x00b"}, "description"),
        ({"received_at": timezone.now() + dt.timedelta(hours=2)}, "received_at"),
        ({"customer": None}, "customer"),
    ],
)
def test_bad_input_is_refused_naming_the_field(make_ticket, values, field):
    with pytest.raises(DomainError) as caught:
        make_ticket(**values)
    assert caught.value.field == field
    assert not Ticket.objects.exists()


def test_a_contact_of_another_customer_is_refused(make_ticket, contact):
    other = Customer.objects.create(name="另一家公司", name_sort="x")
    with pytest.raises(DomainError) as caught:
        make_ticket(customer=other, contact=contact)
    assert caught.value.field == "contact"


def test_an_inactive_category_is_refused(make_ticket):
    category = TicketCategory.objects.create(code="old", name="旧类别", is_active=False)
    with pytest.raises(DomainError) as caught:
        make_ticket(category=category)
    assert caught.value.field == "category"


def test_departments_without_the_right_cannot_register(users, customer):
    for username in ("auditor", "secadmin", "admin"):
        with pytest.raises(PermissionDenied):
            services.ticket_create(
                actor=users[username],
                type="inquiry",
                channel="phone",
                subject="x",
                customer=customer,
            )


def test_numbers_follow_the_day_in_shanghai_with_a_daily_sequence(
    make_ticket, monkeypatch, settings
):
    """23:30 UTC is already the next day in Shanghai; each day counts from 1."""
    settings.KEFU_TICKET_PREFIX = "HD"
    moments = iter(
        [
            dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC),  # 23:30 Shanghai
            dt.datetime(2026, 11, 22, 16, 30, tzinfo=dt.UTC),  # 00:30 next day
            dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC),
        ]
    )
    numbers = []
    for moment in moments:
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        numbers.append(make_ticket(received_at=moment).number)
    assert numbers == ["HD20261122-00001", "HD20261123-00001", "HD20261123-00002"]
    assert TicketNumberCounter.objects.get(day=dt.date(2026, 11, 23)).last == 2


def test_only_a_hash_of_the_customer_link_token_is_kept(users, customer):
    made = services.ticket_create(
        actor=users["agent"],
        type="inquiry",
        channel="phone",
        subject="x",
        customer=customer,
    )
    token = made.customer_link.split("k=")[1]
    assert len(token) >= 22  # ≥ 128 bits, URL-safe
    assert made.customer_link.startswith(f"/portal/t/{made.ticket.number}?k=")
    stored = Ticket.objects.get(pk=made.ticket.pk).customer_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored


# --- the simple flow, through the action registry -----------------------------------


def _in_status(make_ticket, users, status: str) -> Ticket:
    if status == "new":
        return make_ticket(entry=services.ENTRY_API, owner=users["agent"])
    ticket = make_ticket()
    if status == "waiting_customer":
        ticket = services.ticket_wait_customer(
            ticket=ticket, actor=users["agent"], reason="请提供签收单照片"
        )
    elif status in ("resolved", "closed"):
        ticket = services.ticket_resolve(
            ticket=ticket, actor=users["agent"], summary="已送达"
        )
        if status == "closed":
            ticket = services.ticket_close(ticket=ticket, actor=users["agent"])
    return _refresh(ticket)


ARGS = {
    "accept": {},
    "transfer": {"to_user": "agent2", "reason": "换人跟进"},
    "wait_customer": {"reason": "请提供照片"},
    "resume": {},
    "resolve": {"summary": "已处理"},
    "close": {},
    "reopen": {"reason": "客户来电说没解决"},
}
ALLOWED = {
    "accept": {"new"},
    "transfer": {"new", "accepted", "waiting_customer"},
    "wait_customer": {"accepted"},
    "resume": {"waiting_customer"},
    "resolve": {"accepted", "waiting_customer"},
    "close": {"resolved"},
    "reopen": {"resolved", "closed"},
}
AFTER = {
    "accept": "accepted",
    "wait_customer": "waiting_customer",
    "resume": "accepted",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "accepted",
}
STATUSES = ["new", "accepted", "waiting_customer", "resolved", "closed"]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(ARGS))
def test_every_transition_of_the_simple_flow_is_allowed_or_refused(
    make_ticket, users, status, action
):
    """Allowed: the status moves, the version adds 1, a timeline event is written.
    Refused: a DomainError on field ``action``, and nothing changes."""
    ticket = _in_status(make_ticket, users, status)
    version, events = ticket.version, ticket.events.count()
    run = {
        "name": action,
        "ticket": ticket,
        "actor": users["agent"],
        "data": {**ARGS[action], "version": version},
    }
    if status in ALLOWED[action]:
        result = action_run(**run)
        assert result.version == version + 1
        assert result.status == AFTER.get(action, status)
        assert result.is_open == (result.status not in ("resolved", "closed"))
        assert ticket.events.count() > events
    else:
        with pytest.raises(DomainError) as caught:
            action_run(**run)
        assert caught.value.field == "action"
        assert caught.value.code == "invalid_transition"
        after = _refresh(ticket)
        assert (after.status, after.version) == (status, version)
        assert ticket.events.count() == events


def test_a_stale_version_is_a_conflict_and_changes_nothing(make_ticket, users):
    ticket = make_ticket()
    services.ticket_wait_customer(ticket=ticket, actor=users["agent"], reason="照片")
    with pytest.raises(Conflict) as caught:
        action_run(
            name="resolve",
            ticket=ticket,
            actor=users["agent"],
            data={"summary": "已处理", "version": 1},
        )
    assert caught.value.current_version == 2
    assert _refresh(ticket).status == "waiting_customer"


def test_an_unknown_action_or_bad_input_names_the_field(make_ticket, users):
    ticket = make_ticket()
    with pytest.raises(DomainError) as caught:
        action_run(name="explode", ticket=ticket, actor=users["agent"], data={})
    assert (caught.value.field, caught.value.code) == ("action", "unknown_action")
    with pytest.raises(DomainError) as caught:
        action_run(
            name="resolve", ticket=ticket, actor=users["agent"], data={"version": "x"}
        )
    assert caught.value.field == "version"
    with pytest.raises(DomainError) as caught:
        action_run(name="resolve", ticket=ticket, actor=users["agent"], data={})
    assert caught.value.field == "summary"


def test_waiting_pauses_and_resume_returns_to_the_status_it_left(make_ticket, users):
    ticket = make_ticket()
    waiting = services.ticket_wait_customer(
        ticket=ticket, actor=users["agent"], reason="请提供破损照片"
    )
    assert waiting.paused_status == "accepted" and waiting.first_response_at
    event = waiting.events.get(kind="status")
    assert event.is_public and event.body == "请提供破损照片"
    resumed = services.ticket_resume(ticket=waiting, actor=users["agent"])
    assert (resumed.status, resumed.paused_status) == ("accepted", "")


def test_resolving_tells_the_registrant_and_stops_the_first_response_clock(
    make_ticket, users, django_capture_on_commit_callbacks
):
    ticket = make_ticket("warehouse")
    ticket = services.ticket_accept(ticket=ticket, actor=users["agent"])
    with django_capture_on_commit_callbacks(execute=True):
        resolved = services.ticket_resolve(
            ticket=ticket, actor=users["agent"], summary="已改约明天送达"
        )
    assert resolved.first_response_at == resolved.resolved_at
    note = Notification.objects.get(user=users["warehouse"])
    assert "已解决" in note.title and ticket.number in note.title


def test_reopening_clears_first_contact_resolution_and_replaces_a_departed_owner(
    make_ticket, users
):
    ticket = make_ticket("agent2", resolution="当场答复")
    users["agent2"].is_active = False
    users["agent2"].save(update_fields=["is_active"])
    reopened = services.ticket_reopen(
        ticket=ticket, actor=users["agent"], reason="客户又来电"
    )
    assert reopened.status == "accepted" and not reopened.first_contact_resolution
    assert reopened.resolved_at is None
    assert reopened.owner == users["supervisor"] and reopened.unassigned


def test_the_automatic_close_runs_once_on_tickets_resolved_long_ago(
    make_ticket, users, monkeypatch, settings
):
    settings.KEFU_TICKET_AUTOCLOSE_DAYS = 7
    old = make_ticket()
    services.ticket_resolve(ticket=old, actor=users["agent"], summary="已处理")
    Ticket.objects.filter(pk=old.pk).update(
        resolved_at=timezone.now() - dt.timedelta(days=8)
    )
    recent = make_ticket()
    services.ticket_resolve(ticket=recent, actor=users["agent"], summary="已处理")
    assert services.tickets_autoclose() == 1
    assert services.tickets_autoclose() == 0
    closed = _refresh(old)
    assert closed.status == "closed" and closed.closed_at
    event = closed.events.get(kind="status", data__to="closed")
    assert event.actor is None and event.data["automatic"]
    assert _refresh(recent).status == "resolved"


# --- owner and transfers ----------------------------------------------------------


def test_a_transfer_without_a_reason_or_a_receiver_is_refused(make_ticket, users):
    ticket = make_ticket()
    with pytest.raises(DomainError) as caught:
        services.ticket_transfer(
            ticket=ticket, actor=users["agent"], to_user=users["agent2"], reason=" "
        )
    assert caught.value.field == "reason" and "转交原因" in caught.value.message
    with pytest.raises(DomainError) as caught:
        services.ticket_transfer(ticket=ticket, actor=users["agent"], reason="换人")
    assert caught.value.field == "to_user"
    with pytest.raises(DomainError) as caught:
        services.ticket_transfer(
            ticket=ticket,
            actor=users["agent"],
            reason="换人",
            to_user=users["agent2"],
            to_department=users["deptmgr"].department,
        )
    assert caught.value.field == "to_user"
    after = _refresh(ticket)
    assert (after.owner, after.transfer_count, after.version) == (users["agent"], 0, 1)
    assert not after.events.filter(kind="transfer").exists()


def test_a_transfer_to_a_department_goes_to_its_dispatcher(
    make_ticket, users, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    transport = Department.objects.get(code="transport")
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.ticket_transfer(
            ticket=ticket,
            actor=users["agent"],
            to_department=transport,
            reason="核实签收",
        )
    assert moved.owner == users["deptmgr"] and moved.department == transport
    assert moved.unassigned
    assert (moved.transfer_count, moved.department_transfer_count) == (1, 1)
    event = moved.events.get(kind="transfer")
    assert event.data["reason"] == "核实签收" and not event.is_public
    assert event.data["to"]["username"] == "deptmgr"
    assert event.data["from_department"]["code"] == "cs"
    assert Notification.objects.filter(user=users["deptmgr"]).exists()
    # The dispatcher hands it on inside the department: not a department move.
    staffed = services.ticket_transfer(
        ticket=moved, actor=users["deptmgr"], to_user=users["transport"], reason="派单"
    )
    assert staffed.owner == users["transport"] and not staffed.unassigned
    assert (staffed.transfer_count, staffed.department_transfer_count) == (2, 1)


def test_a_department_without_dispatcher_cannot_receive(make_ticket, users):
    ticket = make_ticket()
    with pytest.raises(DomainError) as caught:
        services.ticket_transfer(
            ticket=ticket,
            actor=users["agent"],
            to_department=Department.objects.get(code="finance"),
            reason="核对运费",
        )
    assert caught.value.field == "to_department"


def test_a_transfer_to_someone_who_cannot_own_tickets_is_refused(make_ticket, users):
    ticket = make_ticket()
    for username in ("auditor", "admin"):
        with pytest.raises(DomainError) as caught:
            services.ticket_transfer(
                ticket=ticket, actor=users["agent"], to_user=users[username], reason="x"
            )
        assert caught.value.field == "to_user"
    with pytest.raises(DomainError):
        services.ticket_transfer(
            ticket=ticket, actor=users["agent"], to_user=users["agent"], reason="x"
        )


def test_only_the_owner_or_a_manager_transfers(make_ticket, users):
    ticket = make_ticket()
    for username in ("agent2", "transport", "gm"):
        with pytest.raises(PermissionDenied):
            services.ticket_transfer(
                ticket=ticket,
                actor=users[username],
                to_user=users["agent2"],
                reason="x",
            )
    services.ticket_transfer(
        ticket=ticket, actor=users["supervisor"], to_user=users["agent2"], reason="派单"
    )
    assert _refresh(ticket).owner == users["agent2"]


def test_a_department_member_takes_a_ticket_from_its_queue(make_ticket, users):
    """Waiting in 运输配送部's queue: a member of that department may take it; a
    member of another department may not."""
    ticket = make_ticket()
    ticket = services.ticket_transfer(
        ticket=ticket,
        actor=users["agent"],
        to_department=Department.objects.get(code="transport"),
        reason="核实",
    )
    with pytest.raises(PermissionDenied):
        services.ticket_accept(ticket=ticket, actor=users["warehouse"])
    taken = services.ticket_accept(ticket=ticket, actor=users["transport"])
    assert taken.owner == users["transport"] and not taken.unassigned
    assert taken.status == "accepted"
    with pytest.raises(DomainError) as caught:
        services.ticket_accept(ticket=taken, actor=users["deptmgr"])
    assert caught.value.field == "action"


# --- the timeline -----------------------------------------------------------------


def test_a_reply_is_public_stops_the_first_response_clock_and_keeps_the_version(
    make_ticket, users
):
    ticket = make_ticket()
    note = services.ticket_event_add(
        ticket=ticket, actor=users["agent"], kind="note", body="司机说下午到"
    )
    assert not note.is_public and _refresh(ticket).first_response_at is None
    reply = services.ticket_event_add(
        ticket=ticket, actor=users["agent"], kind="reply", body="您好，预计下午送达。"
    )
    after = _refresh(ticket)
    assert reply.is_public and after.first_response_at == reply.created_at
    assert after.version == 1
    services.ticket_event_add(
        ticket=ticket, actor=users["agent"], kind="reply", body="已送达。"
    )
    assert _refresh(ticket).first_response_at == reply.created_at


def test_who_may_write_notes_and_replies(make_ticket, users):
    ticket = make_ticket()
    # Customer service reads every ticket and may note; only owner or manager reply.
    services.ticket_event_add(
        ticket=ticket, actor=users["agent2"], kind="note", body="x"
    )
    for username, kind in [
        ("agent2", "reply"),
        ("auditor", "note"),
        ("transport", "note"),
    ]:
        with pytest.raises(PermissionDenied):
            services.ticket_event_add(
                ticket=ticket, actor=users[username], kind=kind, body="x"
            )
    services.ticket_event_add(
        ticket=ticket, actor=users["supervisor"], kind="reply", body="您好"
    )


def test_bad_events_are_refused(make_ticket, users):
    ticket = make_ticket(entry=services.ENTRY_API, owner=users["agent"])
    cases = [("note", " ", "body"), ("remark", "x", "kind"), ("reply", "x", "kind")]
    for kind, body, field in cases:
        with pytest.raises(DomainError) as caught:
            services.ticket_event_add(
                ticket=ticket, actor=users["agent"], kind=kind, body=body
            )
        assert caught.value.field == field
    assert ticket.events.count() == 1


def test_the_timeline_cannot_be_edited_or_deleted(make_ticket):
    ticket = make_ticket()
    event = ticket.events.get()
    event.body = "改写"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        TicketEvent.objects.filter(pk=event.pk).update(body="改写")
    with pytest.raises(PermissionError):
        TicketEvent.objects.filter(pk=event.pk).delete()
    assert TicketEvent.objects.get(pk=event.pk).body == ""


# --- edits --------------------------------------------------------------------------


def test_an_edit_needs_the_current_version_and_is_recorded(make_ticket, users):
    ticket = make_ticket()
    with pytest.raises(DomainError) as caught:
        services.ticket_update(
            ticket=ticket, actor=users["agent"], version=None, priority="high"
        )
    assert caught.value.field == "version"
    edited = services.ticket_update(
        ticket=ticket,
        actor=users["agent"],
        version=1,
        priority="high",
        order_ref="JY123456789012",
    )
    assert edited.version == 2 and edited.priority == "high"
    event = edited.events.get(kind="update")
    assert event.data["changes"]["priority"] == ["normal", "high"]
    assert not event.is_public
    with pytest.raises(Conflict):
        services.ticket_update(
            ticket=ticket, actor=users["agent"], version=1, priority="low"
        )
    assert _refresh(ticket).priority == "high"


def test_the_type_changes_only_before_work_has_started(make_ticket, users):
    ticket = make_ticket()
    ticket = services.ticket_update(
        ticket=ticket, actor=users["agent"], version=1, type="complaint"
    )
    assert ticket.type == "complaint"
    ticket = services.ticket_wait_customer(
        ticket=ticket, actor=users["agent"], reason="照片"
    )
    with pytest.raises(DomainError) as caught:
        services.ticket_update(
            ticket=ticket, actor=users["agent"], version=ticket.version, type="inquiry"
        )
    assert caught.value.field == "type"


def test_only_the_owner_or_a_manager_edits(make_ticket, users):
    ticket = make_ticket()
    for username in ("agent2", "transport", "auditor"):
        with pytest.raises(PermissionDenied):
            services.ticket_update(
                ticket=ticket, actor=users[username], version=1, priority="high"
            )


# --- handover -----------------------------------------------------------------------


def test_handover_moves_every_open_ticket_in_one_recorded_operation(make_ticket, users):
    open_ones = [make_ticket("agent2") for _ in range(3)]
    done = make_ticket("agent2", resolution="当场解决")
    with pytest.raises(PermissionDenied):
        services.tickets_handover(
            from_user=users["agent2"], to_user=users["agent"], actor=users["agent"]
        )
    moved = services.tickets_handover(
        from_user=users["agent2"], to_user=users["agent"], actor=users["manager"]
    )
    assert moved == 3
    for ticket in open_ones:
        after = _refresh(ticket)
        assert after.owner == users["agent"] and after.version == 2
        assert after.events.get(kind="assignment").data["handover"]
    assert _refresh(done).owner == users["agent2"]
    audit = AuditEvent.objects.get(event="ticket.handover")
    assert audit.data == {"to": "agent", "count": 3}
    assert not Ticket.objects.filter(owner=users["agent2"], is_open=True).exists()


def test_the_automatic_close_job_runs_once_per_tick(make_ticket, users, settings):
    from tickets.tasks import tickets_autoclose_task

    settings.KEFU_TICKET_AUTOCLOSE_DAYS = 7
    ticket = make_ticket()
    services.ticket_resolve(ticket=ticket, actor=users["agent"], summary="已处理")
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - dt.timedelta(days=9)
    )
    tickets_autoclose_task.call_local()
    assert _refresh(ticket).status == "closed"
    assert PeriodicTick.objects.filter(task="tickets_autoclose").count() == 1


def test_what_the_handover_page_is_told_about_a_persons_tickets(make_ticket, users):
    """The provider functions the archive's handover asks (count, examples, who
    may receive)."""
    from tickets import handover

    first = make_ticket("agent2", subject="第一张")
    second = make_ticket("agent2", subject="第二张")
    make_ticket("agent2", resolution="当场解决")
    assert handover.open_ticket_count(users["agent2"]) == 2
    assert handover.open_ticket_examples(users["agent2"], 5) == [
        f"{second.number} 第二张",
        f"{first.number} 第一张",
    ]
    assert handover.ticket_receiver_error(users["transport"]) is None
    assert "不能负责工单" in handover.ticket_receiver_error(users["auditor"])
    moved = services.tickets_handover(
        from_user=users["agent2"], to_user=users["transport"], actor=users["gm"]
    )
    assert moved == 2 and handover.open_ticket_count(users["agent2"]) == 0
    assert _refresh(first).department.code == "transport"


def test_the_archive_handover_refuses_deactivation_then_moves_open_tickets(
    make_ticket, users, django_capture_on_commit_callbacks
):
    """Tickets take part in the one recorded handover of the customer archive."""
    from accounts.handover import handover_holdings
    from accounts.models import User
    from accounts.services import user_update
    from customers.handover import ANY_KIND, handover_perform

    open_ones = [make_ticket("agent2") for _ in range(2)]
    leaver = users["agent2"]

    def deactivate():
        user_update(
            actor=users["admin"],
            user=leaver,
            display_name=leaver.display_name,
            email=leaver.email,
            phone=leaver.phone,
            department=leaver.department,
            roles=list(leaver.groups.values_list("name", flat=True)),
            is_active=False,
        )

    with pytest.raises(DomainError) as refused:
        deactivate()
    assert refused.value.code == "handover_required"
    assert "未完成的工单 2 项" in refused.value.message
    assert User.objects.get(pk=leaver.pk).is_active

    with django_capture_on_commit_callbacks(execute=True):
        record = handover_perform(
            actor=users["manager"],
            from_user=leaver,
            receivers={ANY_KIND: users["agent"]},
            reason="调岗",
        )
    assert {m["kind"]: m["count"] for m in record.moved}["tickets"] == 2
    assert all(_refresh(t).owner == users["agent"] for t in open_ones)
    assert handover_holdings(leaver) == []
    deactivate()
    assert not User.objects.get(pk=leaver.pk).is_active
