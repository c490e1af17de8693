"""The rules of the archive, through the services (the pages and the API call
the same functions)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from customers import services
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.selectors import customer_basis
from notify.models import Notification

pytestmark = pytest.mark.django_db


def _create(actor, **values):
    values.setdefault("name", "上海恒通物流有限公司")
    return services.customer_create(actor=actor, **values)


# --- customers ---------------------------------------------------------------------


def test_creating_a_customer_indexes_and_audits_it(users):
    customer = _create(users["agent"], owner=users["agent"], phone="021-0123456")
    assert customer.name_sort.startswith("shang hai")
    assert customer.created_by == users["agent"] and customer.version == 1
    assert AuditEvent.objects.filter(
        event="customer.create", object_id=str(customer.pk)
    ).exists()


@pytest.mark.parametrize(
    "values,field",
    [
        ({"name": " "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"kind": "company"}, "kind"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"ownership": "public"}, "ownership"),
        ({"size": "huge"}, "size"),
        ({"source": "rumour"}, "source"),
        ({"tier": "D"}, "tier"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"kind": "person", "credit_code": "91350100M000100Y43"}, "credit_code"),
        ({"industry": "x" * 65}, "industry"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    users, values, field
):
    with pytest.raises(DomainError) as info:
        _create(users["agent"], **values)
    assert info.value.field == field
    assert not Customer.all_objects.exists()


def test_a_credit_code_can_belong_to_one_live_customer_only(users):
    first = _create(users["agent"], credit_code="91350100M000100Y43")
    with pytest.raises(DomainError) as info:
        _create(users["agent"], name="另一家", credit_code="91350100m000100y43")
    assert info.value.field == "credit_code" and first.name in str(info.value)
    services.customer_delete(actor=users["manager"], customer=first, reason="重复")
    assert _create(users["agent"], name="另一家", credit_code="91350100M000100Y43")


def test_owner_rules(users):
    """An agent may own what they register but not hand it to someone else; the
    owner must be an active member of the business."""
    with pytest.raises(DomainError) as info:
        _create(users["agent"], owner=users["agent2"])
    assert info.value.field == "owner"
    with pytest.raises(DomainError) as info:
        _create(users["supervisor"], owner=users["auditor"])
    assert info.value.field == "owner"
    customer = _create(users["supervisor"], owner=users["agent2"])
    assert customer.owner == users["agent2"]
    with pytest.raises(DomainError) as info:
        services.customer_update(
            actor=users["agent2"], customer=customer, version=1, owner=users["agent"]
        )
    assert info.value.field == "owner"


def test_credit_is_written_only_by_the_owner_or_the_service_manager(users):
    with pytest.raises(DomainError) as info:
        _create(users["agent"], credit_rating="AA")
    assert info.value.field == "credit_rating"
    customer = _create(users["agent"], owner=users["agent"], credit_limit="100000")
    assert customer.credit_limit == Decimal("100000.00")
    with pytest.raises(DomainError) as info:
        services.customer_update(
            actor=users["agent2"], customer=customer, version=1, credit_rating="B"
        )
    assert info.value.field == "credit_rating"
    services.customer_update(
        actor=users["manager"], customer=customer, version=1, credit_rating="B"
    )
    with pytest.raises(DomainError) as info:
        services.customer_update(
            actor=users["manager"], customer=customer, version=2, credit_limit="-1"
        )
    assert info.value.field == "credit_limit"


def test_a_stale_version_is_a_conflict_and_nothing_is_overwritten(users):
    customer = _create(users["agent"], owner=users["agent"])
    services.customer_update(
        actor=users["agent"], customer=customer, version=1, industry="物流"
    )
    with pytest.raises(Conflict) as info:
        services.customer_update(
            actor=users["agent2"], customer=customer, version=1, industry="化工"
        )
    assert info.value.current_version == 2
    customer.refresh_from_db()
    assert (customer.industry, customer.version) == ("物流", 2)


def test_an_edit_must_name_its_version(users):
    customer = _create(users["agent"])
    with pytest.raises(DomainError) as info:
        services.customer_update(
            actor=users["agent"], customer=customer, version=None, industry="物流"
        )
    assert info.value.field == "version"


@pytest.mark.parametrize("username", ["auditor", "secadmin", "admin", "transport"])
def test_who_may_not_edit_customers(users, username):
    customer = _create(users["agent"])
    with pytest.raises(PermissionDenied):
        services.customer_update(
            actor=users[username], customer=customer, version=1, industry="物流"
        )


@pytest.mark.parametrize("username", ["auditor", "secadmin", "admin"])
def test_who_may_not_register_customers(users, username):
    with pytest.raises(PermissionDenied):
        _create(users[username])


def test_department_staff_may_register_a_customer_on_the_spot(users):
    customer = _create(users["warehouse"], kind="person", name="王先生")
    assert customer.owner is None


def test_soft_delete_keeps_the_row_audits_and_is_for_the_service_manager(users):
    customer = _create(users["agent"])
    with pytest.raises(PermissionDenied):
        services.customer_delete(actor=users["agent"], customer=customer, reason="x")
    with pytest.raises(DomainError) as info:
        services.customer_delete(actor=users["manager"], customer=customer, reason="")
    assert info.value.field == "reason"
    services.customer_delete(
        actor=users["manager"], customer=customer, reason="重复登记"
    )
    assert not Customer.objects.filter(pk=customer.pk).exists()
    row = Customer.all_objects.get(pk=customer.pk)
    assert row.deleted_by == users["manager"] and row.version == 2
    assert AuditEvent.objects.get(event="customer.delete").data == {
        "reason": "重复登记"
    }


def test_verifying_records_who_and_when(users):
    customer = _create(users["agent"])
    services.customer_verify(actor=users["agent"], customer=customer, version=1)
    customer.refresh_from_db()
    assert customer.verified_by == users["agent"] and customer.verified_at
    assert customer.version == 2


def test_problem_customers_are_flagged_by_the_manager_with_a_reason(users):
    customer = _create(users["agent"])
    with pytest.raises(PermissionDenied):
        services.customer_flag_problem(
            actor=users["agent"], customer=customer, reason="x"
        )
    with pytest.raises(DomainError) as info:
        services.customer_flag_problem(
            actor=users["manager"], customer=customer, reason=" "
        )
    assert info.value.field == "reason"
    services.customer_flag_problem(
        actor=users["manager"], customer=customer, reason="多次辱骂客服人员"
    )
    customer.refresh_from_db()
    assert customer.is_problem and customer.problem_flagged_by == users["manager"]
    # The flag blocks nothing: the customer can still be edited and found.
    services.customer_update(
        actor=users["agent"], customer=customer, version=customer.version, city="上海市"
    )
    with pytest.raises(DomainError) as info:
        services.customer_flag_problem(
            actor=users["manager"], customer=customer, reason="again"
        )
    assert info.value.field == "action"
    services.customer_unflag_problem(
        actor=users["manager"], customer=customer, reason="已道歉并和解"
    )
    customer.refresh_from_db()
    assert not customer.is_problem and customer.problem_reason == ""
    events = list(
        AuditEvent.objects.filter(event__contains="problem").values_list(
            "event", flat=True
        )
    )
    assert events == ["customer.flag_problem", "customer.unflag_problem"]


# --- contacts ----------------------------------------------------------------------


def test_the_private_layer_is_written_only_by_those_who_may_read_it(users, archive):
    customer = archive["customer"]
    with pytest.raises(DomainError) as info:
        services.contact_create(
            actor=users["agent2"], customer=customer, name="王五", interests="钓鱼"
        )
    assert info.value.field == "interests" and info.value.code == "confidential"
    contact = services.contact_create(
        actor=users["agent2"], customer=customer, name="王五", mobile="10011112222"
    )
    with pytest.raises(DomainError):
        services.contact_update(
            actor=users["agent2"], contact=contact, version=1, family="已婚"
        )
    services.contact_update(
        actor=users["manager"], contact=contact, version=1, family="已婚"
    )
    assert Contact.objects.get(pk=contact.pk).family == "已婚"


@pytest.mark.parametrize(
    "birthday,field",
    [
        ({"month": 2, "day": 30}, "birthday.day"),
        ({"calendar": "lunar", "month": 13, "day": 1}, "birthday.month"),
        ({"calendar": "lunar", "month": 1, "day": 31}, "birthday.day"),
        ({"month": 5}, "birthday.day"),
        ({"day": 5}, "birthday.month"),
        ({"month": 5, "day": 5, "year": 1800}, "birthday.year"),
        ({"calendar": "mayan", "month": 5, "day": 5}, "birthday.calendar"),
        (
            {"calendar": "solar", "month": 5, "day": 5, "leap_month": True},
            "birthday.leap_month",
        ),
    ],
)
def test_a_wrong_birthday_is_refused_naming_its_part(users, archive, birthday, field):
    with pytest.raises(DomainError) as info:
        services.contact_create(
            actor=users["agent"],
            customer=archive["customer"],
            name="王五",
            birthday=birthday,
        )
    assert info.value.field == field
    assert Contact.objects.count() == 1


def test_birthdays_are_kept_in_the_calendar_the_contact_uses(users, archive):
    contact = archive["contact"]
    assert contact.birthday_display == "农历三月十五"
    other = services.contact_create(
        actor=users["agent"],
        customer=archive["customer"],
        name="王五",
        birthday={"month": 2, "day": 29, "year": 1984},
    )
    assert other.birthday_display == "公历 2月29日（1984年）"


def test_only_one_primary_contact(users, archive):
    customer = archive["customer"]
    first = services.contact_create(
        actor=users["agent"], customer=customer, name="甲", is_primary=True
    )
    second = services.contact_create(
        actor=users["agent"], customer=customer, name="乙", is_primary=True
    )
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary


def test_a_stale_contact_edit_is_a_conflict(users, archive):
    contact = archive["contact"]
    services.contact_update(
        actor=users["agent"], contact=contact, version=1, title="总监"
    )
    with pytest.raises(Conflict):
        services.contact_update(
            actor=users["agent"], contact=contact, version=1, title="经理"
        )
    assert Contact.objects.get(pk=contact.pk).title == "总监"


def test_deleting_a_contact_is_soft_and_audited(users, archive):
    contact = archive["contact"]
    with pytest.raises(PermissionDenied):
        services.contact_delete(actor=users["auditor"], contact=contact)
    services.contact_delete(actor=users["agent"], contact=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.all_objects.get(pk=contact.pk).deleted_by == users["agent"]
    assert AuditEvent.objects.filter(event="contact.delete").exists()


# --- relationship events -----------------------------------------------------------


def test_events_are_appended_and_cannot_be_changed(users, archive):
    customer = archive["customer"]
    event = services.customer_event_create(
        actor=users["agent2"],
        customer=customer,
        occurred_on=dt.date(2025, 6, 1),
        kind="branch",
        title="苏州分公司成立",
    )
    event.title = "改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        CustomerEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "values,field",
    [
        ({"occurred_on": None, "title": "x"}, "occurred_on"),
        ({"occurred_on": dt.date(2999, 1, 1), "title": "x"}, "occurred_on"),
        ({"occurred_on": dt.date(2025, 1, 1), "title": " "}, "title"),
        ({"occurred_on": dt.date(2025, 1, 1), "title": "x", "kind": "gossip"}, "kind"),
    ],
)
def test_bad_events_are_refused_naming_the_field(users, archive, values, field):
    with pytest.raises(DomainError) as info:
        services.customer_event_create(
            actor=users["agent"], customer=archive["customer"], **values
        )
    assert info.value.field == field
    assert not CustomerEvent.objects.exists()


def test_the_auditor_cannot_add_events(users, archive):
    with pytest.raises(PermissionDenied):
        services.customer_event_create(
            actor=users["auditor"],
            customer=archive["customer"],
            occurred_on=dt.date(2025, 1, 1),
            title="x",
        )


# --- grants ------------------------------------------------------------------------


def test_grant_lifecycle_request_approve_expire(
    users, archive, django_capture_on_commit_callbacks
):
    customer, agent2 = archive["customer"], users["agent2"]
    assert customer_basis(user=agent2, customer=customer) is None
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.grant_request(
            actor=agent2, customer=customer, reason="客户来电投诉，需要回访"
        )
    assert Notification.objects.filter(user=users["manager"]).exists()
    with pytest.raises(DomainError) as info:
        services.grant_request(actor=agent2, customer=customer, reason="再次申请")
    assert info.value.code == "already_pending"
    with pytest.raises(PermissionDenied):
        services.grant_approve(actor=agent2, grant=grant, hours=8)
    with pytest.raises(DomainError) as info:
        services.grant_approve(actor=users["manager"], grant=grant, hours=0)
    assert info.value.field == "hours"
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.grant_approve(
            actor=users["manager"], grant=grant, hours=8, note="同意"
        )
    assert Notification.objects.filter(user=agent2).exists()
    assert grant.expires_at - grant.decided_at == dt.timedelta(hours=8)
    assert customer_basis(user=agent2, customer=customer) == "grant"
    with pytest.raises(DomainError) as info:
        services.grant_request(actor=agent2, customer=customer, reason="再来")
    assert info.value.code == "already_granted"
    # Grants expire: past the deadline the fields are masked again.
    AccessGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert customer_basis(user=agent2, customer=customer) is None
    assert AccessGrant.objects.get(pk=grant.pk).status_label == "已过期"
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"grant.request", "grant.approve"} <= events


def test_a_refusal_needs_a_reason_and_a_decided_request_cannot_be_decided_again(
    users, archive
):
    grant = services.grant_request(
        actor=users["agent2"], customer=archive["customer"], reason="需要了解"
    )
    with pytest.raises(DomainError) as info:
        services.grant_refuse(actor=users["manager"], grant=grant, note="")
    assert info.value.field == "note"
    services.grant_refuse(actor=users["manager"], grant=grant, note="无此必要")
    with pytest.raises(DomainError) as info:
        services.grant_approve(actor=users["manager"], grant=grant, hours=8)
    assert info.value.field == "action"
    assert AccessGrant.objects.get(pk=grant.pk).status == "refused"


def test_a_live_grant_can_be_revoked(users, archive):
    grant = services.grant_request(
        actor=users["agent2"], customer=archive["customer"], reason="需要了解"
    )
    services.grant_approve(actor=users["manager"], grant=grant, hours=72)
    services.grant_revoke(actor=users["manager"], grant=grant, note="事情已处理完")
    assert customer_basis(user=users["agent2"], customer=archive["customer"]) is None
    assert AccessGrant.objects.get(pk=grant.pk).status == "revoked"


def test_who_needs_no_grant_and_who_may_not_ask(users, archive):
    customer = archive["customer"]
    for username in ("agent", "manager"):
        with pytest.raises(DomainError) as info:
            services.grant_request(actor=users[username], customer=customer, reason="x")
        assert info.value.code == "not_needed"
    for username in ("auditor", "secadmin"):
        with pytest.raises(PermissionDenied):
            services.grant_request(actor=users[username], customer=customer, reason="x")
    with pytest.raises(DomainError) as info:
        services.grant_request(actor=users["agent2"], customer=customer, reason=" ")
    assert info.value.field == "reason"


def test_a_grant_reads_but_does_not_write_credit(users, archive):
    customer = archive["customer"]
    grant = services.grant_request(
        actor=users["agent2"], customer=customer, reason="回访"
    )
    services.grant_approve(actor=users["manager"], grant=grant, hours=2)
    with pytest.raises(DomainError):
        services.customer_update(
            actor=users["agent2"],
            customer=customer,
            version=customer.version,
            credit_limit="1",
        )
    # ... but the private layer of contacts may be kept up to date.
    contact = archive["contact"]
    services.contact_update(
        actor=users["agent2"], contact=contact, version=1, interests="钓鱼"
    )


def test_any_department_may_add_a_contact_but_only_service_changes_one(users, archive):
    contact = services.contact_create(
        actor=users["warehouse"], customer=archive["customer"], name="赵六"
    )
    with pytest.raises(PermissionDenied):
        services.contact_update(
            actor=users["warehouse"], contact=contact, version=1, title="经理"
        )
    with pytest.raises(PermissionDenied):
        services.contact_create(
            actor=users["auditor"], customer=archive["customer"], name="钱七"
        )
