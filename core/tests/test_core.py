import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.audit import audit_record
from core.errors import Conflict, DomainError
from core.models import AuditEvent, PeriodicTick
from core.pagination import (
    cursor_decode,
    cursor_encode,
    keyset_paginate,
    limit_validate,
)
from core.services import periodic_tick_claim, worker_heartbeat_record
from core.tests.testapp.models import Gadget
from core.versioning import version_bump, versioned_update

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_updated_or_deleted_through_the_orm():
    event = audit_record(event="login.success", actor=UserFactory())
    event.event = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(event="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).event == "login.success"


def test_audit_record_names_the_object():
    user = UserFactory(username="li")
    event = audit_record(event="user.update", actor=user, obj=user, data={"x": 1})
    assert (event.object_type, event.object_id, event.actor_username) == (
        "accounts.user",
        str(user.pk),
        "li",
    )


def test_soft_deleted_rows_leave_the_default_manager_but_stay_in_the_table():
    gadget = Gadget.objects.create(name="a")
    Gadget.objects.filter(pk=gadget.pk).update(deleted_at=timezone.now())
    assert not Gadget.objects.filter(pk=gadget.pk).exists()
    assert Gadget.all_objects.get(pk=gadget.pk).is_deleted


def test_versioned_update_refuses_a_stale_version_and_writes_nothing():
    gadget = Gadget.objects.create(name="a")
    other = Gadget.objects.get(pk=gadget.pk)
    gadget.name = "first"
    versioned_update(gadget, version=1, fields=["name"])
    other.name = "second"
    with pytest.raises(Conflict) as info:
        versioned_update(other, version=1, fields=["name"])
    assert info.value.current_version == 2
    assert Gadget.objects.get(pk=gadget.pk).name == "first"


def test_versioned_update_requires_a_version():
    gadget = Gadget.objects.create(name="a")
    with pytest.raises(DomainError) as info:
        versioned_update(gadget, version=None, fields=["name"])
    assert info.value.field == "version"


def test_an_action_bumps_the_version_and_checks_an_optional_one():
    gadget = Gadget.objects.create(name="a")
    version_bump(gadget)
    assert Gadget.objects.get(pk=gadget.pk).version == 2
    with pytest.raises(Conflict):
        version_bump(gadget, version=1)


def test_keyset_pages_with_mixed_directions_cover_every_row_once():
    for i in range(11):
        Gadget.objects.create(name=f"g{i:02}", rank=i % 4)
    ordering = ["-rank", "name", "id"]
    expected = list(Gadget.objects.order_by(*ordering).values_list("pk", flat=True))
    seen, cursor = [], None
    while True:
        page = keyset_paginate(
            Gadget.objects.all(), ordering=ordering, cursor=cursor, limit=4
        )
        seen += [g.pk for g in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == expected


def test_cursor_round_trips_datetimes_and_refuses_tampering():
    moment = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
    token = cursor_encode([moment, 42])
    assert cursor_decode(token, 2) == [moment, 42]
    with pytest.raises(DomainError):
        cursor_decode(token[:-2] + "xx", 2)
    with pytest.raises(DomainError):
        cursor_decode(token, 3)


@pytest.mark.parametrize("limit", [0, 101])
def test_limit_outside_one_to_hundred_is_refused(limit):
    with pytest.raises(DomainError):
        limit_validate(limit)


def test_a_periodic_tick_runs_once_however_many_consumers_claim_it():
    tick = dt.datetime(2026, 11, 23, 9, 30, 5, tzinfo=dt.UTC)
    assert periodic_tick_claim(task="sweep", tick=tick) is True
    assert (
        periodic_tick_claim(task="sweep", tick=tick + dt.timedelta(seconds=20)) is False
    )
    assert periodic_tick_claim(task="other", tick=tick) is True
    assert PeriodicTick.objects.count() == 2


def test_heartbeat_is_one_row_updated_in_place():
    worker_heartbeat_record()
    worker_heartbeat_record()
    from core.models import WorkerHeartbeat

    assert WorkerHeartbeat.objects.count() == 1
