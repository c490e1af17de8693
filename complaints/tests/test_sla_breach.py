"""A complaint whose clock runs out goes up the complaint ladder (the service
levels' sweep hands it over); other tickets keep the sweep's own escalation."""

import pytest

from accounts.tests.helpers import clock_at
from complaints.models import Complaint
from notify.models import Notification
from sla.sweep import sla_sweep
from sla.tests.clock_helpers import at, level_make
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

MON_10 = at(2026, 11, 2, 10, 0)


def test_a_breached_complaint_climbs_its_own_ladder(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        complaint = make_ticket(
            type="complaint", subject="货物破损", received_at=MON_10
        )
        inquiry = make_ticket(received_at=MON_10)
    # First response (120 working minutes) has run out for both at 12:00 + lunch.
    result = sla_sweep(now=at(2026, 11, 2, 15, 0))
    assert result.breached == 2

    level = Complaint.objects.get(ticket=complaint).escalation_level
    assert level == 1
    climbed = TicketEvent.objects.get(
        ticket=complaint, kind="escalation", data__level__isnull=False
    )
    assert climbed.data["automatic"] is True and "首次响应" in climbed.body
    breach = TicketEvent.objects.get(ticket=complaint, data__sla="breach")
    assert breach.data["to"] is None  # the sweep itself escalated nobody
    # The inquiry goes to the owner's supervisor the sweep's way.
    other = TicketEvent.objects.get(ticket=inquiry, kind="escalation")
    assert other.data["to"]["username"] == "supervisor"
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert "supervisor" in told

    # Running the sweep again climbs nothing more.
    sla_sweep(now=at(2026, 11, 2, 15, 1))
    assert Complaint.objects.get(ticket=complaint).escalation_level == 1
