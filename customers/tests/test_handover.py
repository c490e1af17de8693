"""Handover (交接): what a person holds, the refusal to deactivate anyone who still
holds something, and the one recorded operation that moves it all — through the
provider registry other apps (tickets) join."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts import handover as registry
from accounts.handover import HandoverProvider, handover_holdings
from accounts.models import User
from accounts.services import user_update
from core.errors import DomainError
from core.models import AuditEvent
from customers import services
from customers.handover import ANY_KIND, handover_perform
from customers.models import AccessGrant, Customer, Handover
from customers.tests.factories import CustomerFactory
from notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_work(users):
    """agent owns three customers and has asked to read someone else's archive."""
    mine = [CustomerFactory(owner=users["agent"]) for _ in range(3)]
    other = CustomerFactory(owner=users["agent2"])
    request = services.grant_request(
        actor=users["agent"], customer=other, reason="客户来电，需要核对信用"
    )
    return {"customers": mine, "request": request, "other": other}


def _deactivate(admin, user):
    return user_update(
        actor=admin,
        user=user,
        display_name=user.display_name,
        email=user.email,
        phone=user.phone,
        department=user.department,
        roles=list(user.groups.values_list("name", flat=True)),
        is_active=False,
    )


class Tasks:
    """A fake app's provider: pending tasks held in memory."""

    def __init__(self):
        self.owner: dict[int, int] = {}
        self.fail = False

    def provider(self):
        return HandoverProvider(
            kind="tasks",
            label="待办任务",
            count=lambda user: sum(1 for o in self.owner.values() if o == user.pk),
            examples=lambda user, n: [f"任务{k}" for k, o in self.owner.items()][:n],
            transfer=self.transfer,
            receiver_error=lambda user: (
                "不能接收" if user.username == "agent" else None
            ),
        )

    def transfer(self, *, from_user, to_user, actor, request=None):
        if self.fail:
            raise RuntimeError("the other app broke")
        moved = [k for k, o in self.owner.items() if o == from_user.pk]
        for key in moved:
            self.owner[key] = to_user.pk
        return len(moved)


@pytest.fixture
def tasks():
    fake = Tasks()
    registry.handover_provider_register(fake.provider())
    yield fake
    registry._PROVIDERS.pop("tasks", None)


def test_holdings_list_each_kind_with_examples(users, agent_work):
    held = {h.kind: h for h in handover_holdings(users["agent"], examples=2)}
    assert held["customers"].count == 3 and len(held["customers"].examples) == 2
    assert held["grant_requests"].count == 1
    assert not held["grant_requests"].needs_receiver
    assert handover_holdings(users["warehouse"]) == []


def test_deactivating_someone_who_still_holds_work_is_refused_with_the_list(
    users, agent_work
):
    with pytest.raises(DomainError) as info:
        _deactivate(users["admin"], users["agent"])
    assert info.value.field == "is_active" and info.value.code == "handover_required"
    assert "负责的客户 3 项" in info.value.message
    assert "待审批的查阅申请 1 项" in info.value.message
    assert User.objects.get(pk=users["agent"].pk).is_active
    assert not AuditEvent.objects.filter(event="user.deactivate").exists()
    # Nothing held: deactivation goes through.
    _deactivate(users["admin"], users["transport"])
    assert not User.objects.get(pk=users["transport"].pk).is_active


def test_the_handover_moves_everything_and_then_deactivation_works(
    users, agent_work, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers={ANY_KIND: users["agent2"]},
            reason="李思琪离职",
        )
    owners = Customer.objects.filter(
        pk__in=[c.pk for c in agent_work["customers"]]
    ).values_list("owner__username", "version")
    assert {o for o, _v in owners} == {"agent2"} and {v for _o, v in owners} == {2}
    request = AccessGrant.objects.get(pk=agent_work["request"].pk)
    assert request.status == "withdrawn" and request.decided_by == users["manager"]
    assert {m["kind"]: m["count"] for m in record.moved} == {
        "customers": 3,
        "grant_requests": 1,
    }
    assert (
        record.moved[0]["receiver"] == "agent2" and record.moved[1]["receiver"] is None
    )
    assert handover_holdings(users["agent"]) == []
    audit = AuditEvent.objects.get(event="handover.perform")
    assert audit.object_id == str(users["agent"].pk)
    assert AuditEvent.objects.filter(event="customer.owner_change").count() == 3
    told = Notification.objects.get(user=users["agent2"])
    assert "李思琪" in told.title and "负责的客户 3 项" in told.body
    _deactivate(users["admin"], users["agent"])
    assert not User.objects.get(pk=users["agent"].pk).is_active
    with pytest.raises(PermissionError):
        Handover.objects.get().delete()


def test_each_kind_may_go_to_its_own_receiver(users, agent_work, tasks):
    tasks.owner = {1: users["agent"].pk, 2: users["agent"].pk, 3: users["agent2"].pk}
    handover_perform(
        actor=users["manager"],
        from_user=users["agent"],
        receivers={ANY_KIND: users["supervisor"], "tasks": users["agent2"]},
        reason="调岗到销售部",
    )
    assert tasks.owner == {
        1: users["agent2"].pk,
        2: users["agent2"].pk,
        3: users["agent2"].pk,
    }
    assert set(
        Customer.objects.filter(owner__username="supervisor").values_list(
            "pk", flat=True
        )
    ) >= {c.pk for c in agent_work["customers"]}


def test_a_provider_that_fails_leaves_nothing_moved(users, agent_work, tasks):
    tasks.owner = {1: users["agent"].pk}
    tasks.fail = True
    with pytest.raises(RuntimeError):
        handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers={ANY_KIND: users["agent2"]},
            reason="离职",
        )
    assert Customer.objects.filter(owner=users["agent"]).count() == 3
    assert AccessGrant.objects.get(pk=agent_work["request"].pk).status == "pending"
    assert not Handover.objects.exists()


def test_the_registry_refuses_deactivation_for_another_app_s_holdings(users, tasks):
    tasks.owner = {7: users["transport"].pk}
    with pytest.raises(DomainError) as info:
        _deactivate(users["admin"], users["transport"])
    assert "待办任务 1 项" in info.value.message


@pytest.mark.parametrize(
    "receiver,field_kind",
    [("admin", "customers"), ("agent", "customers"), (None, "customers")],
)
def test_receivers_are_checked(users, agent_work, receiver, field_kind):
    receivers = {ANY_KIND: users[receiver] if receiver else None}
    with pytest.raises(DomainError) as info:
        handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers=receivers,
            reason="离职",
        )
    assert info.value.field == f"receivers.{field_kind}"
    assert Customer.objects.filter(owner=users["agent"]).count() == 3


def test_a_provider_may_refuse_a_receiver(users, tasks):
    tasks.owner = {1: users["agent2"].pk}
    with pytest.raises(DomainError) as info:
        handover_perform(
            actor=users["manager"],
            from_user=users["agent2"],
            receivers={ANY_KIND: users["agent"]},
            reason="离职",
        )
    assert info.value.field == "receivers.tasks" and info.value.message == "不能接收"


def test_an_inactive_receiver_is_refused(users, agent_work):
    User.objects.filter(pk=users["agent2"].pk).update(is_active=False)
    receiver = User.objects.get(pk=users["agent2"].pk)
    with pytest.raises(DomainError):
        handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers={ANY_KIND: receiver},
            reason="离职",
        )


def test_a_reason_is_needed_and_someone_with_nothing_is_refused(users, agent_work):
    with pytest.raises(DomainError) as info:
        handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers={ANY_KIND: users["agent2"]},
            reason=" ",
        )
    assert info.value.field == "reason"
    with pytest.raises(DomainError) as info:
        handover_perform(
            actor=users["manager"],
            from_user=users["warehouse"],
            receivers={ANY_KIND: users["agent2"]},
            reason="离职",
        )
    assert info.value.field == "from_user"


@pytest.mark.parametrize("username", ["agent", "supervisor", "auditor", "admin"])
def test_only_managers_hand_over_work(users, agent_work, username):
    with pytest.raises(PermissionDenied):
        handover_perform(
            actor=users[username],
            from_user=users["agent"],
            receivers={ANY_KIND: users["agent2"]},
            reason="离职",
        )


def test_the_general_manager_hands_over_and_an_inactive_holder_can_be_cleared(
    users, agent_work
):
    """An account deactivated before the check existed may still own customers:
    its work can still be handed over."""
    User.objects.filter(pk=users["agent"].pk).update(is_active=False)
    holder = User.objects.get(pk=users["agent"].pk)
    handover_perform(
        actor=users["gm"],
        from_user=holder,
        receivers={ANY_KIND: users["agent2"]},
        reason="清理已离职人员名下客户",
    )
    assert not Customer.objects.filter(owner=holder).exists()


def test_the_administrator_s_user_page_shows_the_refusal(client, users, agent_work):
    agent = users["agent"]
    client.force_login(users["admin"])
    response = client.post(
        f"/system/users/{agent.pk}/",
        {
            "display_name": agent.display_name,
            "email": agent.email,
            "phone": "",
            "department": agent.department_id,
            "roles": ["agent"],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "停用前请先办理交接" in html and "负责的客户 3 项" in html
    assert User.objects.get(pk=agent.pk).is_active


def test_an_unknown_kind_of_holding_is_refused(users, agent_work):
    with pytest.raises(DomainError) as info:
        handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers={ANY_KIND: users["agent2"], "spaceships": users["agent2"]},
            reason="离职",
        )
    assert info.value.field == "receivers.spaceships"
    assert Customer.objects.filter(owner=users["agent"]).count() == 3
