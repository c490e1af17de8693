"""Reads of tickets: who sees what, the lists and their filters, the watch list,
search (on SQLite and PostgreSQL), the home page's queues, and that each default
list is one index range without a sort."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Department
from core.errors import DomainError
from tickets import selectors, services
from tickets.models import Ticket
from tickets.permissions import can_view_ticket_internals, ticket_visibility_q
from tickets.search import ticket_index

pytestmark = pytest.mark.django_db

EVERYONE = [
    "agent",
    "agent2",
    "supervisor",
    "manager",
    "gm",
    "auditor",
    "transport",
    "deptmgr",
    "warehouse",
    "secadmin",
    "admin",
]


@pytest.fixture
def three(make_ticket, users):
    """A customer service ticket, one sent to 运输配送部, one registered by 仓储部."""
    cs = make_ticket("agent", subject="客服部自己的工单")
    moved = make_ticket("agent2", subject="转到运输部的工单")
    services.ticket_transfer(
        ticket=moved,
        actor=users["agent2"],
        to_department=Department.objects.get(code="transport"),
        reason="核实司机签收",
    )
    registered = make_ticket("warehouse", subject="仓储部登记的工单")
    return {"cs": cs, "transport": moved, "registered": registered}


SEES = {
    "agent": {"cs", "transport", "registered"},
    "agent2": {"cs", "transport", "registered"},
    "supervisor": {"cs", "transport", "registered"},
    "manager": {"cs", "transport", "registered"},
    "gm": {"cs", "transport", "registered"},
    "auditor": {"cs", "transport", "registered"},
    "transport": {"transport"},  # their department's
    "deptmgr": {"transport"},
    "warehouse": {"registered"},  # what they registered (首问负责)
    "secadmin": set(),
    "admin": set(),
}


@pytest.mark.parametrize("username", EVERYONE)
def test_each_role_sees_exactly_its_tickets(three, users, username):
    visible = set(
        Ticket.objects.filter(ticket_visibility_q(users[username])).values_list(
            "pk", flat=True
        )
    )
    assert visible == {three[key].pk for key in SEES[username]}


def test_department_staff_see_what_they_own_even_in_another_department(
    make_ticket, users
):
    ticket = make_ticket("agent")
    services.ticket_transfer(
        ticket=ticket, actor=users["agent"], to_user=users["warehouse"], reason="核对"
    )
    assert Ticket.objects.filter(ticket_visibility_q(users["warehouse"])).count() == 1
    assert not Ticket.objects.filter(ticket_visibility_q(users["transport"])).exists()


def test_a_registrant_outside_the_department_sees_the_status_not_the_internals(
    three, users
):
    registered = Ticket.objects.get(pk=three["registered"].pk)
    services.ticket_event_add(
        ticket=registered, actor=users["supervisor"], kind="note", body="内部意见"
    )
    assert not can_view_ticket_internals(users["warehouse"], registered)
    timeline = selectors.ticket_timeline(user=users["warehouse"], ticket=registered)
    assert [e.kind for e in timeline] == ["created"]
    assert can_view_ticket_internals(users["supervisor"], registered)
    moved = Ticket.objects.select_related("department").get(pk=three["transport"].pk)
    assert can_view_ticket_internals(users["transport"], moved)


def _numbers(user, **filters):
    filters.setdefault("default_status", "open")
    cleaned = selectors.ticket_filters_clean(user=user, **filters)
    page = selectors.ticket_page(user=user, filters=cleaned, limit=100)
    return [t.number for t in page.items]


def test_the_lists_of_each_view(three, users, make_ticket):
    cs, moved, registered = three["cs"], three["transport"], three["registered"]
    done = make_ticket("agent", resolution="当场答复")
    agent, supervisor = users["agent"], users["supervisor"]
    assert _numbers(agent, view="mine") == [cs.number]
    assert _numbers(agent, view="mine", status="any") == [done.number, cs.number]
    assert _numbers(agent, view="mine", status="done") == [done.number]
    assert _numbers(supervisor, view="unassigned") == [registered.number]
    assert _numbers(users["deptmgr"], view="unassigned") == [moved.number]
    assert _numbers(users["transport"], view="department") == [moved.number]
    assert _numbers(users["warehouse"], view="registered") == [registered.number]
    assert _numbers(agent, view="all") == [registered.number, moved.number, cs.number]
    assert _numbers(agent, view="all", sort="oldest") == [
        cs.number,
        moved.number,
        registered.number,
    ]
    assert _numbers(agent, view="all", department="transport") == [moved.number]
    assert _numbers(agent, view="all", owner="me") == [cs.number]
    assert _numbers(agent, view="all", status="resolved") == [done.number]
    assert _numbers(agent, view="all", type="complaint") == []
    assert _numbers(agent, view="all", customer=cs.customer_id, status="any") == [
        done.number,
        registered.number,
        moved.number,
        cs.number,
    ]
    today = timezone.localdate()
    assert len(_numbers(agent, view="all", created_from=today, created_to=today)) == 3
    assert _numbers(agent, view="all", created_to=today - dt.timedelta(days=1)) == []


def test_overdue_keeps_tickets_whose_due_time_passed(three):
    assert _numbers(three["cs"].owner, view="all", overdue=True) == []
    Ticket.objects.filter(pk=three["cs"].pk).update(
        resolution_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert _numbers(three["cs"].owner, view="all", overdue=True) == [three["cs"].number]


@pytest.mark.parametrize(
    "filters,field",
    [
        ({"view": "everything"}, "view"),
        ({"status": "lost"}, "status"),
        ({"type": "gossip"}, "type"),
        ({"owner": "nobody"}, "owner"),
        ({"department": "moon"}, "department"),
        ({"customer": 999999}, "customer"),
        ({"customer": "abc"}, "customer"),
        ({"sort": "random"}, "sort"),
        (
            {"created_from": dt.date(2026, 2, 1), "created_to": dt.date(2026, 1, 1)},
            "created_from",
        ),
    ],
)
def test_a_wrong_filter_names_itself(users, filters, field):
    with pytest.raises(DomainError) as caught:
        selectors.ticket_filters_clean(user=users["agent"], **filters)
    assert caught.value.field == field


def test_the_watch_list_shows_ping_pong_and_tickets_nobody_answered(
    make_ticket, users, settings
):
    settings.KEFU_TICKET_WATCH_TRANSFERS = 1
    settings.KEFU_TICKET_UNANSWERED_HOURS = 8
    departments = {d.code: d for d in Department.objects.all()}
    bounced = make_ticket(subject="在部门之间来回转")
    for code in ("transport", "warehouse"):
        bounced = services.ticket_transfer(
            ticket=bounced,
            actor=users["supervisor"],
            to_department=departments[code],
            reason="不归我们管",
        )
    once = make_ticket(subject="只转了一次")
    services.ticket_transfer(
        ticket=once,
        actor=users["agent"],
        to_department=departments["transport"],
        reason="核实",
    )
    silent = make_ticket(subject="没人答复")
    answered = make_ticket(subject="已答复")
    services.ticket_event_add(
        ticket=answered, actor=users["agent"], kind="reply", body="您好"
    )
    fresh = make_ticket(subject="刚登记")
    nine_hours_ago = timezone.now() - dt.timedelta(hours=9)
    Ticket.objects.exclude(pk=fresh.pk).update(created_at=nine_hours_ago)
    supervisor = users["supervisor"]
    assert _numbers(supervisor, view="watch_moved") == [bounced.number]
    unanswered = _numbers(supervisor, view="watch_unanswered")
    assert silent.number in unanswered and answered.number not in unanswered
    assert fresh.number not in unanswered
    queues = selectors.ticket_home_queues(user=supervisor)
    assert queues["moved_count"] == 1 and queues["unanswered_count"] == 3


def test_keyset_pages_walk_every_ticket_once(make_ticket, users):
    made = [make_ticket().number for _ in range(7)]
    filters = selectors.ticket_filters_clean(user=users["agent"], view="all")
    seen, cursor = [], None
    while True:
        page = selectors.ticket_page(
            user=users["agent"], filters=filters, cursor=cursor, limit=3
        )
        seen += [t.number for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == made[::-1]


def test_home_queues_count_up_to_a_cap(make_ticket, users, monkeypatch):
    monkeypatch.setattr(selectors, "HOME_CAP", 3)
    for _ in range(5):
        make_ticket("agent")
    make_ticket("warehouse")
    queues = selectors.ticket_home_queues(user=users["agent"])
    assert queues["mine_count"] == 4 and len(queues["mine"]) == 5
    assert "unassigned_count" not in queues and "moved_count" not in queues
    supervisor = selectors.ticket_home_queues(user=users["supervisor"])
    assert supervisor["unassigned_count"] == 1
    warehouse = selectors.ticket_home_queues(user=users["warehouse"])
    assert [t.registered_by_id for t in warehouse["registered"]] == [
        users["warehouse"].pk
    ]
    assert warehouse["department_count"] == 0


# --- search, on both databases ----------------------------------------------------


@pytest.fixture
def searchable(make_ticket, contact):
    leak = make_ticket(
        subject="空调外机漏水",
        description="客户反映安装后第二天就漏水",
        contact=contact,
        order_ref="JY202611230042",
    )
    other = make_ticket(subject="查询运单进度", product="冷链运输")
    return {"leak": leak, "other": other}


@pytest.mark.parametrize(
    "q,found",
    [
        ("调外", {"leak"}),  # any two characters inside a word
        ("漏水", {"leak"}),
        ("第二天", {"leak"}),
        ("冷链", {"other"}),
        ("恒通电子", {"leak", "other"}),  # the customer's name
        ("5678", {"leak"}),  # the last four digits of the contact's phone
        ("周明", {"leak"}),  # the contact's name
        ("jy2026", {"leak"}),  # the waybill number, by its start
        ("空调 漏水", {"leak"}),
        ("空调 运单", set()),
        ("不存在的词", set()),
    ],
)
@pytest.mark.parametrize("narrow", [1000, 0])  # the rows lead / the documents
def test_search_finds_any_two_characters(
    searchable, users, q, found, narrow, monkeypatch
):
    monkeypatch.setattr("core.search.NARROW_VIEW", narrow)
    filters = selectors.TicketFilters(view="all", status="any")
    page = selectors.ticket_page(user=users["agent"], filters=filters, q=q)
    assert {t.number for t in page.items} == {searchable[k].number for k in found}


def test_search_in_the_agent_s_own_open_tickets_reads_only_those(
    make_ticket, users, django_assert_max_num_queries
):
    """The list's search box from the default view: a common term, a narrow
    view. Only the agent's own open tickets come back, newest first, page by
    page, the same whichever plan leads."""
    mine = [make_ticket(subject=f"包装破损第{i}批") for i in range(5)]
    services.ticket_resolve(ticket=mine[1], actor=users["agent"], summary="已补发")
    others = [make_ticket(actor="agent2", subject="外箱破损") for _ in range(3)]
    make_ticket(subject="包装完好，破 损两处")  # 破 and 损 apart: not a hit
    filters = selectors.TicketFilters(view="mine", status="open")
    expected = [t.number for t in reversed(mine) if t != mine[1]]
    assert {t.owner_id for t in mine} == {users["agent"].pk}
    assert users["agent"].pk not in {t.owner_id for t in others}
    for narrow in (None, 0):
        found, cursor = [], None
        for _ in range(10):
            with django_assert_max_num_queries(4):
                page = ticket_index.page(
                    selectors.ticket_list_visible_to(
                        user=users["agent"], filters=filters
                    ),
                    "破损",
                    cursor=cursor,
                    limit=2,
                    narrow=narrow,
                )
            found += [t.number for t in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert found == expected, narrow


def test_search_finds_a_ticket_by_its_number(searchable, users):
    number = searchable["other"].number
    for q in (number, number.lower(), number.removeprefix("KF")):
        found = selectors.ticket_search_quick(user=users["agent"], q=q)
        assert [t.number for t in found] == [number], q


def test_search_respects_visibility_and_refuses_one_character(searchable, users):
    filters = selectors.TicketFilters(view="all", status="any")
    assert not selectors.ticket_page(
        user=users["transport"], filters=filters, q="漏水"
    ).items
    with pytest.raises(DomainError) as caught:
        selectors.ticket_page(user=users["agent"], filters=filters, q="漏")
    assert caught.value.field == "q"


def test_an_edit_is_found_by_its_new_words(searchable, users):
    leak = searchable["leak"]
    services.ticket_update(
        ticket=leak, actor=users["agent"], version=leak.version, subject="冰箱不制冷"
    )
    assert [
        t.number for t in selectors.ticket_search_quick(user=users["agent"], q="制冷")
    ] == [leak.number]
    assert not selectors.ticket_search_quick(user=users["agent"], q="空调")


# --- indexes ------------------------------------------------------------------------

DEFAULT_LISTS = [
    ("agent", {"view": "mine"}, "ticket_owner_open"),
    ("agent", {"view": "mine", "status": "closed"}, "ticket_owner_status"),
    ("supervisor", {"view": "all"}, "ticket_open"),
    ("supervisor", {"view": "all", "status": "any"}, "ticket_created"),
    ("supervisor", {"view": "all", "status": "resolved"}, "ticket_status"),
    ("supervisor", {"view": "unassigned"}, "ticket_unassigned"),
    ("supervisor", {"view": "watch_unanswered"}, "ticket_unanswered"),
    ("transport", {"view": "department"}, "ticket_dept_open"),
    ("warehouse", {"view": "registered"}, "ticket_registrant"),
    ("agent", {"view": "all", "type": "complaint", "status": "any"}, "ticket_type"),
]


@pytest.mark.parametrize("username,filters,index", DEFAULT_LISTS)
def test_each_default_list_is_one_index_range_without_a_sort(
    three, users, username, filters, index
):
    """SQLite's plan reads the list's own index and never sorts. PostgreSQL, with
    sequential scans, bitmap scans and sorts discouraged, still finds an index
    path without a sort (with a handful of rows its costs tie between the
    indexes, so which one it names is not asserted there)."""
    user = users[username]
    cleaned = selectors.ticket_filters_clean(user=user, **filters)
    qs = selectors.ticket_list_visible_to(user=user, filters=cleaned)
    sql, params = qs.order_by("-created_at", "-id")[:26].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {knob} = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    if connection.vendor == "postgresql":
        assert "Index" in plan and "Seq Scan on tickets_ticket" not in plan, plan
    else:
        assert re.search(rf"USING INDEX {index}\b", plan), plan
