"""Freshness (动态管理): the review list, duplicate candidates, and merges that
keep everything, record it and can be traced."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from customers import services
from customers.credit import credit_assess
from customers.freshness import (
    duplicate_dismiss,
    duplicates_find,
    duplicates_of,
    name_similarity,
    review_list,
)
from customers.merge import _MOVERS as MOVERS
from customers.merge import MergeMover, customer_merge, merge_mover_register
from customers.models import (
    AccessGrant,
    Contact,
    CreditAssessment,
    Customer,
    CustomerEvent,
    CustomerMerge,
    DuplicateCandidate,
    TierChange,
    Transaction,
)
from customers.rules import customer_policy_get, customer_policy_update
from customers.search import customer_index
from customers.selectors import customer_page
from customers.tests.factories import ContactFactory, CustomerFactory
from customers.transactions import transaction_create

pytestmark = pytest.mark.django_db


def _age(customer, *, created_days=None, verified_days=None):
    now = timezone.now()
    values = {}
    if created_days is not None:
        values["created_at"] = now - dt.timedelta(days=created_days)
    if verified_days is not None:
        values["verified_at"] = now - dt.timedelta(days=verified_days)
    Customer.objects.filter(pk=customer.pk).update(**values)


def test_the_review_list_shows_archives_not_verified_in_time(users):
    stale = CustomerFactory(name="久未核实")
    never = CustomerFactory(name="从未核实")
    fresh = CustomerFactory(name="刚核实")
    new = CustomerFactory(name="刚登记")
    _age(stale, created_days=900, verified_days=200)
    _age(never, created_days=400)
    _age(fresh, created_days=900, verified_days=10)
    _age(new, created_days=5)
    names = [c.name for c in review_list(user=users["agent"]).order_by("checked_at")]
    assert names == ["从未核实", "久未核实"]
    customer_policy_update(
        actor=users["manager"], version=customer_policy_get().version, review_days=250
    )
    assert [c.name for c in review_list(user=users["agent"])] == ["从未核实"]
    assert list(review_list(user=users["admin"])) == []


def test_verifying_takes_an_archive_off_the_list_and_mine_narrows_it(users):
    mine = CustomerFactory(owner=users["agent"])
    other = CustomerFactory(owner=users["agent2"])
    _age(mine, created_days=400)
    _age(other, created_days=400)
    assert list(review_list(user=users["agent"], owner=users["agent"])) == [mine]
    services.customer_verify(actor=users["agent"], customer=mine)
    assert list(review_list(user=users["agent"])) == [other]


def test_the_review_list_uses_its_expression_index(users):
    """The order of the list is the indexed expression (SQLite: the plan names
    the index; PostgreSQL's planner may prefer a scan on a tiny table)."""
    from django.db import connection

    qs = review_list(user=users["agent"]).order_by("checked_at", "id")[:25]
    if connection.vendor == "sqlite":
        plan = qs.explain()
        assert "customer_freshness" in plan


@pytest.mark.parametrize(
    "a,b,similar",
    [
        ("上海恒通电子科技有限公司", "上海恒通电子科技", True),
        ("上海恒通电子科技有限公司", "恒通电子（上海）有限公司", True),
        ("华为技术有限公司", "华为技术股份有限公司", True),
        ("上海恒通电子科技有限公司", "北京远航食品有限公司", False),
        ("张伟", "张伟", True),
        ("张伟", "李娜", False),
    ],
)
def test_name_similarity(a, b, similar):
    assert (name_similarity(a, b) >= 60) is similar


def test_duplicates_are_similar_names_with_the_same_phone(users):
    original = CustomerFactory(name="上海恒通电子科技有限公司", phone="021-0123 4567")
    copy = CustomerFactory(name="恒通电子科技", phone="02101234567", credit_code="")
    by_contact = CustomerFactory(name="恒通电子（上海）", phone="", credit_code="")
    ContactFactory(customer=by_contact, mobile="021-01234567")
    CustomerFactory(name="远航食品有限公司", phone="021-01234567")  # not similar
    assert duplicates_find() == 3
    pairs = set(DuplicateCandidate.objects.values_list("first_id", "second_id"))
    assert pairs == {
        (original.pk, copy.pk),
        (original.pk, by_contact.pk),
        (copy.pk, by_contact.pk),
    }
    candidate = DuplicateCandidate.objects.get(first=original, second=copy)
    assert candidate.shared == "02101234567" and candidate.similarity >= 60
    assert duplicates_find() == 0  # known pairs are not added twice
    assert len(duplicates_of(customer=original)) == 2


def test_a_switchboard_number_shared_by_many_is_not_a_duplicate_sign(users):
    for n in range(6):
        CustomerFactory(name=f"恒通电子{n}部", phone="400-000-0000")
    assert duplicates_find() == 0


def test_a_dismissed_pair_is_not_proposed_again(users):
    a = CustomerFactory(name="恒通电子", phone="0571-0123456")
    CustomerFactory(name="恒通电子有限公司", phone="0571-0123456")
    duplicates_find()
    candidate = DuplicateCandidate.objects.get()
    with pytest.raises(DomainError) as info:
        duplicate_dismiss(actor=users["manager"], candidate=candidate, note="")
    assert info.value.field == "note"
    with pytest.raises(PermissionDenied):
        duplicate_dismiss(actor=users["supervisor"], candidate=candidate, note="x")
    duplicate_dismiss(
        actor=users["manager"], candidate=candidate, note="两家是母子公司，各自结算。"
    )
    assert duplicates_find() == 0
    assert DuplicateCandidate.objects.get().status == "dismissed"
    assert duplicates_of(customer=a) == []


@pytest.fixture
def pair(users):
    """A survivor and a duplicate with something of every kind."""
    agent, manager = users["agent"], users["manager"]
    survivor = services.customer_create(
        actor=agent, name="上海恒通电子科技有限公司", phone="021-01234567", owner=agent
    )
    services.contact_create(
        actor=agent, customer=survivor, name="王经理", is_primary=True
    )
    duplicate = services.customer_create(
        actor=manager,
        name="恒通电子科技",
        credit_code="91350100M000100Y43",
        phone="02101234567",
        email="service@example.invalid",
        industry="电子制造",
        credit_rating="A",
        credit_limit="100000",
    )
    contact = services.contact_create(
        actor=manager,
        customer=duplicate,
        name="李明",
        mobile="10012345678",
        is_primary=True,
    )
    event = services.customer_event_create(
        actor=manager,
        customer=duplicate,
        occurred_on=timezone.localdate(),
        title="分公司成立",
    )
    deal, _ = transaction_create(
        actor=manager,
        customer=duplicate,
        occurred_on=timezone.localdate(),
        amount="250000",
        description="年度仓储",
    )
    assessment = credit_assess(
        actor=manager,
        customer=duplicate,
        assessed_on=timezone.localdate(),
        rating="BBB",
        notes="付款偶有拖延",
        limit="100000",
    )
    referred = services.customer_create(
        actor=agent, name="被推荐的公司", referred_by=duplicate
    )
    request = services.grant_request(
        actor=users["agent2"], customer=duplicate, reason="回访前了解情况"
    )
    duplicates_find()
    return {
        "survivor": survivor,
        "duplicate": duplicate,
        "contact": contact,
        "event": event,
        "deal": deal,
        "assessment": assessment,
        "referred": referred,
        "request": request,
    }


def test_a_merge_keeps_everything_and_can_be_traced(users, pair):
    survivor, duplicate = pair["survivor"], pair["duplicate"]
    record = customer_merge(
        actor=users["manager"], survivor=survivor, merged=duplicate, reason="重复登记"
    )
    # Everything of the duplicate now belongs to the survivor.
    assert Contact.objects.get(pk=pair["contact"].pk).customer_id == survivor.pk
    assert not Contact.objects.get(pk=pair["contact"].pk).is_primary  # one primary
    assert CustomerEvent.objects.get(pk=pair["event"].pk).customer_id == survivor.pk
    assert Transaction.objects.get(pk=pair["deal"].pk).customer_id == survivor.pk
    assert (
        CreditAssessment.objects.get(pk=pair["assessment"].pk).customer_id
        == survivor.pk
    )
    assert TierChange.objects.filter(customer=duplicate).count() == 0
    assert Customer.objects.get(pk=pair["referred"].pk).referred_by_id == survivor.pk
    assert AccessGrant.objects.get(pk=pair["request"].pk).status == "withdrawn"
    # Empty fields filled; the credit code moves now that the duplicate is retired.
    survivor.refresh_from_db()
    assert survivor.credit_code == "91350100M000100Y43"
    assert survivor.email == "service@example.invalid" and survivor.industry
    assert survivor.credit_rating == "BBB" and survivor.credit_limit == 100000
    assert {"credit_code", "email", "industry", "credit_rating"} <= set(record.filled)
    # The duplicate is retired, never lost, and points at the survivor.
    gone = Customer.all_objects.get(pk=duplicate.pk)
    assert gone.is_deleted and gone.merged_into_id == survivor.pk
    assert gone.name == "恒通电子科技"
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    # Recorded with every moved id, audited on both records.
    assert record.moved["contacts"] == [pair["contact"].pk]
    assert record.moved["transactions"] == [pair["deal"].pk]
    assert record.moved["events"] == [pair["event"].pk]
    assert len(record.moved["tier_changes"]) == 1
    merge_rows = AuditEvent.objects.filter(data__merge=record.pk)
    assert {(r.event, r.object_id) for r in merge_rows} == {
        ("customer.merge", str(survivor.pk)),
        ("customer.merged_into", str(duplicate.pk)),
    }
    assert DuplicateCandidate.objects.get().status == "merged"
    # Search finds the survivor by the duplicate's contact; not the duplicate.
    found = customer_page(user=users["manager"], q="李明").items
    assert found == [survivor]
    assert not customer_index.document_model.objects.filter(
        object_id=duplicate.pk
    ).exists()
    # The survivor's tier proposal counts the moved deal.
    assert survivor.tier_proposed == "B"
    with pytest.raises(PermissionError):
        CustomerMerge.objects.get().delete()


def test_merge_movers_of_other_apps_run_in_the_same_transaction(users, pair):
    moved = {}

    def move(*, source, target, actor):
        moved[source.pk] = target.pk
        return [99]

    merge_mover_register(MergeMover("tickets", "工单", move))
    try:
        record = customer_merge(
            actor=users["manager"],
            survivor=pair["survivor"],
            merged=pair["duplicate"],
            reason="重复",
        )
        assert moved == {pair["duplicate"].pk: pair["survivor"].pk}
        assert record.moved["tickets"] == [99]
    finally:
        MOVERS.pop("tickets", None)


def test_a_failing_mover_leaves_both_records_as_they_were(users, pair):
    def broken(*, source, target, actor):
        raise RuntimeError("tickets could not move")

    merge_mover_register(MergeMover("tickets", "工单", broken, order=1))
    try:
        with pytest.raises(RuntimeError):
            customer_merge(
                actor=users["manager"],
                survivor=pair["survivor"],
                merged=pair["duplicate"],
                reason="重复",
            )
    finally:
        MOVERS.pop("tickets", None)
    assert not Customer.all_objects.get(pk=pair["duplicate"].pk).is_deleted
    assert (
        Contact.objects.get(pk=pair["contact"].pk).customer_id == pair["duplicate"].pk
    )
    assert not CustomerMerge.objects.exists()


def test_a_merge_is_refused_for_the_same_or_a_retired_record(users, pair):
    survivor, duplicate = pair["survivor"], pair["duplicate"]
    with pytest.raises(DomainError) as info:
        customer_merge(
            actor=users["manager"], survivor=survivor, merged=survivor, reason="x"
        )
    assert info.value.field == "merged"
    with pytest.raises(DomainError) as info:
        customer_merge(
            actor=users["manager"], survivor=survivor, merged=duplicate, reason=""
        )
    assert info.value.field == "reason"
    customer_merge(
        actor=users["manager"], survivor=survivor, merged=duplicate, reason="x"
    )
    with pytest.raises(DomainError) as info:
        customer_merge(
            actor=users["manager"], survivor=survivor, merged=duplicate, reason="again"
        )
    assert info.value.field == "merged"


@pytest.mark.parametrize("username", ["agent", "supervisor", "gm", "auditor"])
def test_only_the_service_manager_merges(users, pair, username):
    with pytest.raises(PermissionDenied):
        customer_merge(
            actor=users[username],
            survivor=pair["survivor"],
            merged=pair["duplicate"],
            reason="重复",
        )


def test_the_nightly_job_finds_duplicates(users):
    from customers.tasks import customers_nightly_task

    CustomerFactory(name="远航食品", phone="0571-0123456")
    CustomerFactory(name="远航食品有限公司", phone="0571-0123456")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        customers_nightly_task.call_local()
    assert DuplicateCandidate.objects.count() == 1
