"""The demo step: complaints at every step, with remedies, bulletins and
recurrences, quickly."""

import pytest

from accounts import demo as accounts_demo
from complaints import demo
from complaints.models import Bulletin, Complaint, ComplaintLink, Remedy
from core.demo import DemoContext
from customers import demo as customers_demo
from tickets import demo as tickets_demo
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_complaints(db):
    ctx = DemoContext.create()
    accounts_demo.build(ctx)
    customers_demo.build(ctx)
    tickets_demo.build(ctx)
    demo.build(ctx)
    complaints = Ticket.objects.filter(type="complaint")
    assert Complaint.objects.count() == complaints.count()
    statuses = set(
        complaints.filter(pk__in=[t.pk for t in ctx.made["complaints"]]).values_list(
            "status", flat=True
        )
    )
    assert {
        "accepted",
        "assessing",
        "investigating",
        "remedy_pending",
        "replied",
        "follow_up",
        "closed",
        "archived",
    } <= statuses
    assert Remedy.objects.filter(status="pending").exists()
    assert Remedy.objects.filter(status="approved").exists()
    assert Bulletin.objects.exists()
    assert ComplaintLink.objects.exists()
    assert Complaint.objects.filter(escalation_level__gt=0).exists()
    demo.build(ctx)  # twice changes nothing
    assert Bulletin.objects.count() == 1
