"""Pages and API of service levels and commitments: permissions, validation,
compliance rates against hand-counted tickets, overdue lists, the clocks panel."""

import pytest
from django.urls import reverse

from accounts.tests.helpers import clock_at
from sla.models import Commitment, ServiceLevel
from sla.reports import commitment_breaches, commitment_rates, month_range
from sla.services import commitment_save
from sla.tests.clock_helpers import at, level_make
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

MON_10 = at(2026, 11, 2, 10, 0)


def _reply_after(users, make_ticket, actor, minutes, ticket_type="complaint"):
    with clock_at(MON_10):
        ticket = make_ticket(actor=actor, type=ticket_type, received_at=MON_10)
    with clock_at(at(2026, 11, 2, 10 + minutes // 60, minutes % 60)):
        ticket_services.ticket_event_add(
            ticket=ticket, actor=users[actor], kind="reply", body="已收到，正在处理。"
        )
    return ticket


def test_commitment_rates_against_hand_counted_tickets(users, make_ticket):
    level_make(users, name="默认")
    _reply_after(users, make_ticket, "agent", 30)  # kept
    late = _reply_after(users, make_ticket, "agent", 90)  # broken
    _reply_after(users, make_ticket, "supervisor", 45)  # kept
    _reply_after(users, make_ticket, "agent", 100, ticket_type="inquiry")  # not counted
    commitment = commitment_save(
        actor=users["manager"],
        title="投诉一小时内回应",
        ticket_type="complaint",
        clock="first_response",
        target_minutes=60,
        is_published=True,
    )
    start, end = month_range("2026-11")
    by_owner = {
        r.label: (r.total, r.kept)
        for r in commitment_rates(commitment, start=start, end=end, by="owner")
    }
    assert by_owner == {"李思琪": (2, 1), "王建军": (1, 1)}
    (month,) = commitment_rates(commitment, start=start, end=end, by="month")
    assert (month.label, month.total, month.kept, month.percent) == (
        "2026-11",
        3,
        2,
        "66.7%",
    )
    (dept,) = commitment_rates(commitment, start=start, end=end, by="department")
    assert (dept.label, dept.total, dept.breached) == ("客户服务部", 3, 1)
    assert [
        c.ticket_id for c in commitment_breaches(commitment, start=start, end=end)
    ] == [late.pk]
    october = month_range("2026-10")
    assert (
        commitment_rates(commitment, start=october[0], end=october[1], by="month") == []
    )


def test_commitment_page(client, users, make_ticket):
    level_make(users, name="默认")
    _reply_after(users, make_ticket, "agent", 90)
    commitment = commitment_save(
        actor=users["manager"],
        title="投诉一小时内回应",
        ticket_type="complaint",
        clock="first_response",
        target_minutes=60,
    )
    client.force_login(users["supervisor"])
    response = client.get(
        reverse("sla:service_commitment", args=[commitment.pk]),
        {"month": "2026-11", "by": "owner"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "0.0%" in text and "李思琪" in text
    client.force_login(users["admin"])  # the system administrator: no business data
    assert (
        client.get(reverse("sla:service_commitment", args=[commitment.pk])).status_code
        == 403
    )


def test_only_the_service_manager_maintains_levels(client, users):
    from sla.models import Calendar

    standard = Calendar.objects.get(code="standard")
    form = {
        "name": "投诉",
        "ticket_type": "complaint",
        "tier": "",
        "priority": "",
        "calendar": standard.pk,
        "acknowledge_minutes": "30",
        "first_response_minutes": "",
        "resolution_minutes": "1440",
        "warn_percent": "80",
        "is_active": "on",
    }
    url = reverse("sla:service_level_create")
    client.force_login(users["supervisor"])
    assert client.post(url, form).status_code == 403
    assert not ServiceLevel.objects.exists()
    client.force_login(users["manager"])
    assert client.post(url, form).status_code == 302
    level = ServiceLevel.objects.get()
    assert (level.resolution_minutes, level.warn_percent) == (1440, 80)
    # The same scope twice is refused, naming the field; nothing changes.
    response = client.post(url, {**form, "name": "投诉二"})
    assert response.status_code == 422
    assert "已有启用的服务等级" in response.content.decode()
    response = client.post(
        url,
        {
            **form,
            "name": "空",
            "ticket_type": "inquiry",
            "acknowledge_minutes": "",
            "resolution_minutes": "",
        },
    )
    assert response.status_code == 422
    assert "至少填写一项时限" in response.content.decode()
    assert ServiceLevel.objects.count() == 1
    # A stale version is a conflict, not an overwrite.
    edit = reverse("sla:service_level_edit", args=[level.pk])
    response = client.post(edit, {**form, "warn_percent": "90", "version": "7"})
    assert response.status_code == 302
    level.refresh_from_db()
    assert level.warn_percent == 80
    client.post(edit, {**form, "warn_percent": "90", "version": str(level.version)})
    level.refresh_from_db()
    assert level.warn_percent == 90
    page = client.get(reverse("sla:service_levels"))
    assert "投诉" in page.content.decode()


def test_commitment_refuses_bad_input(users):
    from core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        commitment_save(
            actor=users["manager"], title="", clock="resolution", target_minutes=60
        )
    assert refused.value.errors[0].field == "title"
    with pytest.raises(DomainError) as refused:
        commitment_save(
            actor=users["manager"], title="快", clock="resolution", target_minutes=0
        )
    assert refused.value.errors[0].field == "target_minutes"
    assert not Commitment.objects.exists()


def test_public_commitments_api(client, users):
    commitment_save(
        actor=users["manager"],
        title="投诉24个工作小时内答复",
        ticket_type="complaint",
        clock="resolution",
        target_minutes=24 * 60,
        is_published=True,
    )
    commitment_save(
        actor=users["manager"], title="内部目标", clock="acknowledge", target_minutes=10
    )
    response = client.get("/api/v1/commitments")
    assert response.status_code == 200
    assert [c["title"] for c in response.json()] == ["投诉24个工作小时内答复"]


def test_overdue_list_shows_remaining_time_and_respects_visibility(
    client, users, make_ticket
):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 13, 45)):  # first response 15 minutes late
        client.force_login(users["agent"])
        response = client.get(reverse("sla:service_overdue"))
        text = response.content.decode()
        assert ticket.number in text
        assert "超时 15 分钟" in text
        assert 'data-tone="red"' in text
        client.force_login(users["warehouse"])  # another department
        response = client.get(reverse("sla:service_overdue"))
        assert ticket.number not in response.content.decode()
        client.force_login(users["admin"])
        assert client.get(reverse("sla:service_overdue")).status_code == 403


def test_ticket_page_shows_its_clocks(client, users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    client.force_login(users["agent"])
    with clock_at(at(2026, 11, 2, 11, 0)):
        text = client.get(ticket.get_absolute_url()).content.decode()
    assert "服务时限" in text
    assert "剩余 1 小时" in text  # first response due 12:00
    assert "开始计时" in text


def test_overdue_filter_and_api_due(client, users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        late = make_ticket(received_at=MON_10)
        waiting = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 10, 30)):
        ticket_services.ticket_wait_customer(
            ticket=waiting, actor=users["agent"], reason="请提供照片。"
        )
    client.force_login(users["agent"])
    with clock_at(at(2026, 11, 5, 10, 0)):
        response = client.get("/tickets/", {"overdue": "on", "view": "all"})
    text = response.content.decode()
    assert late.number in text and waiting.number not in text
    from accounts.services import api_token_issue

    key = api_token_issue(user=users["agent"])[0]
    with clock_at(at(2026, 11, 5, 10, 0)):
        api = client.get(
            f"/api/v1/tickets/{late.number}", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        listed = client.get(
            "/api/v1/tickets?overdue=true&view=all", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
    assert api.status_code == 200
    assert api.json()["due"] == {
        "acknowledge": "2026-11-02T10:30:00+08:00",
        "first_response": "2026-11-02T12:00:00+08:00",
        "resolution": "2026-11-04T11:00:00+08:00",
    }
    numbers = [t["number"] for t in listed.json()["items"]]
    assert late.number in numbers and waiting.number not in numbers


def test_a_ticket_created_through_the_api_answers_with_its_due_times(
    client, users, customer
):
    """The create answer is the service's own object: its due times are those the
    clocks just set, as a later read shows them."""
    from accounts.services import api_token_issue

    level_make(users, name="默认")
    key = api_token_issue(user=users["agent"])[0]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    with clock_at(MON_10):
        made = client.post(
            "/api/v1/tickets",
            {
                "type": "inquiry",
                "channel": "phone",
                "customer": customer.pk,
                "subject": "查询运单",
            },
            content_type="application/json",
            **auth,
        )
        again = client.get(f"/api/v1/tickets/{made.json()['number']}", **auth)
    assert made.status_code == 201, made.content
    assert made.json()["due"]["resolution"] is not None
    assert made.json()["due"] == again.json()["due"]


@pytest.mark.parametrize("page", ["overdue", "commitment", "levels", "ticket"])
def test_pages_do_not_grow_queries_with_rows(
    client, users, make_ticket, django_assert_max_num_queries, page
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    level_make(users, name="默认")
    commitment = commitment_save(
        actor=users["manager"],
        title="一小时内回应",
        clock="first_response",
        target_minutes=60,
    )
    client.force_login(users["supervisor"])

    def load(n_before):
        with clock_at(MON_10):
            made = [make_ticket(received_at=MON_10) for _ in range(n_before)]
        for ticket in made:
            with clock_at(at(2026, 11, 2, 12, 30)):
                ticket_services.ticket_event_add(
                    ticket=ticket, actor=users["agent"], kind="reply", body="已处理。"
                )
        url = {
            "overdue": reverse("sla:service_overdue"),
            "commitment": reverse("sla:service_commitment", args=[commitment.pk])
            + "?month=2026-11&by=owner",
            "levels": reverse("sla:service_levels"),
            "ticket": made[-1].get_absolute_url(),
        }[page]
        with clock_at(at(2026, 11, 6, 10, 0)), CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        return len(q.captured_queries)

    two = load(2)
    twelve = load(10)
    assert twelve == two


def test_overdue_list_filters_by_person_department_and_tier(client, users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        mine = make_ticket(received_at=MON_10)
        theirs = make_ticket(actor="agent2", received_at=MON_10)
    client.force_login(users["supervisor"])
    url = reverse("sla:service_overdue")
    with clock_at(at(2026, 11, 2, 13, 45)):
        both = client.get(url).content.decode()
        assert mine.number in both and theirs.number in both
        assert "?owner=agent2" in both and "?department=cs" in both and "?tier=" in both
        only = client.get(url, {"owner": "agent2"}).content.decode()
        assert theirs.number in only and mine.number not in only
        cs = client.get(url, {"department": "cs"}).content.decode()
        assert mine.number in cs
        tier = mine.customer.tier
        other = "A" if tier != "A" else "B"
        assert mine.number in client.get(url, {"tier": tier}).content.decode()
        assert mine.number not in client.get(url, {"tier": other}).content.decode()
        soon = client.get(url, {"show": "soon"}).content.decode()
        assert mine.number not in soon  # overdue, not "due soon"


def test_commitment_rates_through_the_api(client, users, make_ticket):
    level_make(users, name="默认")
    _reply_after(users, make_ticket, "agent", 30)  # kept
    _reply_after(users, make_ticket, "agent", 90)  # broken
    _reply_after(users, make_ticket, "supervisor", 45)  # kept
    commitment = commitment_save(
        actor=users["manager"],
        title="投诉一小时内回应",
        ticket_type="complaint",
        clock="first_response",
        target_minutes=60,
    )
    url = f"/api/v1/commitments/{commitment.pk}/rates"
    client.force_login(users["supervisor"])
    body = client.get(url, {"month": "2026-11", "by": "owner"}).json()
    assert body["by"] == "owner" and body["month"] == "2026-11"
    rows = {r["label"]: (r["total"], r["kept"], r["breached"]) for r in body["rows"]}
    assert rows == {"李思琪": (2, 1, 1), "王建军": (1, 1, 0)}
    body = client.get(url, {"month": "2026-11"}).json()
    (month,) = [r for r in body["rows"] if r["label"] == "2026-11"]
    assert (month["total"], month["kept"]) == (3, 2)
    assert month["rate"] == pytest.approx(2 / 3)
    bad = client.get(url, {"month": "2026-13", "by": "weather"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"month", "by"}
    assert client.get("/api/v1/commitments/999999/rates").status_code == 404
    client.force_login(users["admin"])  # administration sees no service figures
    assert client.get(url).status_code == 403
