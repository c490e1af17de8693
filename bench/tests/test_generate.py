"""The generator: a small volume satisfies the invariants of the big one."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count, Max, Min

from bench.generate import BENCH_USER, Volumes, generate
from customers.models import Contact, Customer, CustomerSearchDocument
from customers.search import customer_index
from tickets.models import (
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    TicketSearchDocument,
)
from tickets.search import ticket_index
from tickets.services import ticket_number_next

NOW = dt.datetime(2026, 11, 20, 4, 0)


@pytest.fixture
def generated(db):
    return generate(Volumes(tickets=300), seed=7, now=NOW, log=lambda message: None)


def _documents(model):
    return {d.object_id: (d.text, sorted(d.tokens)) for d in model.objects.all()}


def _volumes_and_shares(generated):
    assert generated.counts["tickets"] == Ticket.objects.count() == 300
    assert Customer.objects.count() == 30
    assert Contact.objects.count() == 75
    assert generated.counts["staff"] == 200
    assert Ticket.objects.filter(is_open=True).count() < 300 * 0.1
    assert Ticket.objects.filter(is_open=False).count() > 300 * 0.85
    assert 20 <= Ticket.objects.filter(type="complaint").count() <= 100
    span = Ticket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days > 300


def _numbers_are_unique_and_the_counter_continues():
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    latest = Ticket.objects.order_by("-created_at").first()
    day = dt.date(
        *map(int, (latest.number[2:6], latest.number[6:8], latest.number[8:10]))
    )
    counter = TicketNumberCounter.objects.get(day=day)
    assert counter.last == Counter(n[:10] for n in numbers)[latest.number[:10]]
    assert ticket_number_next(day=day) not in numbers


def _every_ticket_has_its_timeline():
    per_ticket = Counter(
        dict(TicketEvent.objects.values_list("ticket").annotate(n=Count("id")))
    )
    assert len(per_ticket) == 300
    assert 4 <= sum(per_ticket.values()) / 300 <= 6
    firsts = {}
    for event in TicketEvent.objects.order_by("created_at", "id"):
        firsts.setdefault(event.ticket_id, event)
    assert {e.kind for e in firsts.values()} == {"created"}
    assert all(e.created_at == e.ticket.created_at for e in firsts.values())


def test_the_bulk_search_documents_are_the_products(generated):
    bulk_tickets = _documents(TicketSearchDocument)
    bulk_customers = _documents(CustomerSearchDocument)
    assert len(bulk_tickets) == 300 and len(bulk_customers) == 30
    ticket_index.refresh(Ticket.objects.select_related("customer", "contact"))
    customer_index.refresh(Customer.objects.prefetch_related("contacts"))
    assert _documents(TicketSearchDocument) == bulk_tickets
    assert _documents(CustomerSearchDocument) == bulk_customers
    ticket = Ticket.objects.get(pk=17)
    found = ticket_index.filter(Ticket.objects.all(), ticket.subject[:2])
    assert ticket in found


def _the_benchmark_user_is_an_agent_of_a_department():
    from accounts.models import User
    from accounts.permissions import has_role
    from accounts.roles import Role

    user = User.objects.get(username=BENCH_USER)
    assert has_role(user, Role.AGENT)
    assert user.department.code == "cs"
    assert not user.is_superuser


def _every_complaint_has_its_record_as_far_as_its_status():
    from complaints.models import Complaint

    complaints = {c.ticket_id: c for c in Complaint.objects.select_related("ticket")}
    kinds = set(Ticket.objects.filter(pk__in=complaints).values_list("type", flat=True))
    assert kinds == {"complaint"}
    assert len(complaints) == Ticket.objects.filter(type="complaint").count()
    for c in complaints.values():
        t = c.ticket
        assert c.customer_id == t.customer_id and c.registered_at == t.created_at
        if t.status in ("closed", "archived"):
            assert c.valid is not None
            assert not c.valid or (c.findings and c.root_cause_id)
            assert c.replied_at is not None and c.followed_up_at is not None
            assert c.satisfied is not None and c.assessed_by_id == t.owner_id
            assert (c.archived_at is not None) == (t.status == "archived")
        if t.status in ("new", "accepted"):
            assert c.valid is None and not c.findings and c.replied_at is None
        if c.valid:
            assert c.investigating_department.code != "cs"


def test_the_data_keeps_the_products_invariants(generated):
    """One generation (200 staff take a while), five sets of checks."""
    _volumes_and_shares(generated)
    _numbers_are_unique_and_the_counter_continues()
    _every_ticket_has_its_timeline()
    _the_benchmark_user_is_an_agent_of_a_department()
    _every_complaint_has_its_record_as_far_as_its_status()
    assert (
        generated.counts["complaints"]
        == Ticket.objects.filter(type="complaint").count()
    )


def test_the_memoized_pinyin_is_the_products():
    """Per word of pypinyin's segmentation, as the generator computes it, equals
    the product's pinyin of the whole text."""
    import random

    from bench.generate import Pinyin, _company, _person
    from customers import search

    rng = random.Random(3)
    texts = [_person(rng) for _ in range(400)] + [_company(rng) for _ in range(400)]
    texts += ["", "高明", "Nova Parts Ltd. (上海)", "重庆长安汽车", "ABC有限公司123"]
    product = search._syllables.__wrapped__
    derived = [
        (search.name_sort_key(t), search.pinyin_initials(t), search.pinyin_full(t))
        for t in texts
    ]
    with Pinyin():
        assert search._syllables is not product
        for text, (sort_key, initials, full) in zip(texts, derived, strict=True):
            assert search._syllables(text) == product(text), text
            assert search.name_sort_key(text) == sort_key
            assert search.pinyin_initials(text) == initials
            assert search.pinyin_full(text) == full
    assert search._syllables.__wrapped__ is product


def test_the_memoized_documents_are_the_products():
    """Parts seen again, runs shared between parts, full-width forms, blank and
    multi-line parts: the same text and tokens as ``SearchIndex.document``."""
    from types import SimpleNamespace

    from django.db import connection

    from bench.generate import Documents, Related

    writer = SimpleNamespace(vendor=connection.vendor)
    tickets = Documents(writer, ticket_index)
    customers = Documents(writer, customer_index)
    contact = SimpleNamespace(
        pk=1, name="王芳", mobile="13812345678", phone="021-6666 8888", email=""
    )
    customer = SimpleNamespace(
        pk=1, name="上海华盛物流有限公司", phone="021-12345678", email="a@b.cn",
        credit_code="", contacts=Related([contact]),
    )  # fmt: skip
    for i, (description, order) in enumerate(
        [
            (
                "客户来电反映货物破损，订单号SF123456789012，要求尽快处理。",
                "SF123456789012",
            ),
            ("ＳＦ１２３　全角\n第二行 Delivery was LATE", ""),
            ("  ", "JD998877665544"),
            (
                "客户来电反映货物破损，订单号SF123456789012，要求尽快处理。",
                "SF123456789012",
            ),
        ]
    ):
        ticket = SimpleNamespace(
            pk=i + 1, number=f"KF20261120-{i + 1:05d}", subject="货物破损（冷链配送）",
            description=description, product="冷链配送", order_ref=order, batch="",
            customer=customer, contact=contact if i % 2 else None,
        )  # fmt: skip
        assert tickets.document(ticket) == ticket_index.document(ticket)
    assert customers.document(customer) == customer_index.document(customer)


def _schema(connection):
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(  # (ANALYZE adds its statistics tables)
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_stat%'"
            )
        else:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() UNION ALL "
                "SELECT conname, pg_get_constraintdef(oid) || condeferrable::text "
                "|| condeferred::text || convalidated::text FROM pg_constraint"
            )
        return sorted(cur.fetchall())


def test_the_indexes_and_keys_come_back_as_they_were(db):
    """The load drops the big tables' secondary indexes (and foreign keys on
    PostgreSQL) and makes them again: the schema ends as it began. In one
    process here (the platforms that cannot fork)."""
    from django.db import connection

    before = _schema(connection)
    report = generate(
        Volumes(tickets=40), seed=5, now=NOW, log=lambda message: None, fork=False
    )
    assert _schema(connection) == before
    assert report.counts["indexes_remade"] > 20
    assert Ticket.objects.count() == TicketSearchDocument.objects.count() == 40
    ticket = Ticket.objects.get(pk=9)
    assert ticket in ticket_index.filter(Ticket.objects.all(), ticket.subject[:2])
