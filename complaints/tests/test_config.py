"""The configurable tables: only the service manager changes them, bad input
names the field and changes nothing, every change is audited and takes effect."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import ApprovalLimit, PromiseWord, RemedyPolicy, RootCause
from complaints.services import promise_wording_check
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_only_the_service_manager_opens_the_settings(client, users):
    for name in ("agent", "supervisor", "transport", "admin"):
        client.force_login(users[name])
        assert client.get("/complaints/settings/").status_code == 403
        assert (
            client.post("/complaints/settings/words/", {"word": "包退"}).status_code
            == 403
        )
    assert not PromiseWord.objects.filter(word="包退").exists()
    client.force_login(users["manager"])
    assert client.get("/complaints/settings/").status_code == 200


def test_a_new_promise_word_is_flagged_and_a_switched_off_one_is_not(client, users):
    client.force_login(users["manager"])
    client.post("/complaints/settings/words/", {"word": "包退", "is_active": "on"})
    assert promise_wording_check("七天包退")[0].words == ("包退",)
    client.post("/complaints/settings/words/", {"word": "包退"})
    assert promise_wording_check("七天包退") == []
    assert AuditEvent.objects.filter(event="complaint.settings").count() == 2


def test_root_causes_and_policy(client, users):
    client.force_login(users["manager"])
    r = client.post("/complaints/settings/causes/", {"code": "包装", "name": "包装"})
    assert RootCause.objects.filter(name="包装").count() == 0
    assert "代码只能包含" in client.get("/complaints/settings/").content.decode()
    assert r.status_code == 302
    client.post(
        "/complaints/settings/causes/",
        {"code": "packing", "name": "包装", "is_active": "on"},
    )
    assert RootCause.objects.get(code="packing").is_active
    client.post(
        "/complaints/settings/policy/",
        {"severity": "major", "kind": "voucher", "amount": "80"},
    )
    assert RemedyPolicy.objects.get(category=None, severity="major").amount == Decimal(
        "80"
    )
    client.post(
        "/complaints/settings/policy/",
        {"severity": "major", "kind": "voucher", "amount": "x"},
    )
    assert RemedyPolicy.objects.get(category=None, severity="major").amount == Decimal(
        "80"
    )


def test_approval_limits_stay_in_order(client, users):
    client.force_login(users["manager"])
    supervisor = ApprovalLimit.objects.get(rank=1)
    client.post(f"/complaints/settings/limits/{supervisor.pk}/", {"amount": "5000"})
    supervisor.refresh_from_db()
    assert supervisor.amount == Decimal("500")
    client.post(f"/complaints/settings/limits/{supervisor.pk}/", {"amount": "800"})
    supervisor.refresh_from_db()
    assert supervisor.amount == Decimal("800")


def test_the_complaint_page_costs_the_same_with_more_remedies_and_bulletins(
    act, complaint, client, users
):
    ticket = complaint()
    act(ticket, "assess", "agent", valid=True, reason="属实")
    act(ticket, "assign_department", "agent", department="transport", reason="x")
    act(
        ticket,
        "record_findings",
        "transport",
        findings="f",
        root_cause="other",
        responsibility="ours",
    )
    client.force_login(users["manager"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/tickets/{ticket.number}/").status_code == 200
        return len(ctx.captured_queries)

    def more(n):
        for _ in range(n):
            act(
                ticket,
                "propose_remedy",
                "agent",
                asked="a",
                kind="refund",
                amount="900",
            )
            act(ticket, "approve_remedy", "manager", approve=False, comment="否")
            act(
                ticket,
                "bulletin",
                "agent",
                departments=["warehouse", "sales"],
                message="m",
            )

    more(2)
    client.get(f"/tickets/{ticket.number}/")
    small = count()
    more(10)
    assert count() == small


def test_one_policy_per_cell_even_for_any_category(users):
    from django.db import IntegrityError, transaction

    from complaints.models import RemedyPolicy

    RemedyPolicy.objects.create(severity="major", kind="refund", amount=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        RemedyPolicy.objects.create(severity="major", kind="refund", amount=200)
