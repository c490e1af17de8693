"""The lists of people the list pages' filters show are read once and follow every
change of people, roles and departments (accounts.directory)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.directory import CACHE_KEY
from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def _select(client, url: str, name: str) -> str:
    html = client.get(url).content.decode()
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group()


def _reads_people(client, url: str) -> bool:
    """Whether showing ``url`` read the people who may own tickets or customers."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return any(
        "auth_group" in q["sql"] and "DISTINCT" in q["sql"]
        for q in queries.captured_queries
    )


def test_the_ticket_owner_filter_is_read_once_and_follows_people_and_roles(
    client, demo_accounts
):
    client.force_login(demo_accounts["supervisor"])
    assert _reads_people(client, "/tickets/")
    assert not _reads_people(client, "/tickets/")
    assert 'value="agent2"' in _select(client, "/tickets/", "owner")

    agent2 = demo_accounts["agent2"]
    agent2.display_name = "张新名"
    agent2.save()
    assert '<option value="agent2">张新名</option>' in _select(
        client, "/tickets/", "owner"
    )

    newcomer = User.objects.create_user(
        username="agent9",
        display_name="新同事",
        department=demo_accounts["agent"].department,
    )
    assert "agent9" not in _select(client, "/tickets/", "owner")  # no role yet
    newcomer.groups.add(Group.objects.get(name=Role.AGENT.value))
    assert '<option value="agent9">新同事</option>' in _select(
        client, "/tickets/", "owner"
    )
    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    assert "agent9" not in _select(client, "/tickets/", "owner")

    department = demo_accounts["agent"].department
    department.name = "客户服务中心"
    department.save()
    assert ">客户服务中心</option>" in _select(client, "/tickets/", "department")

    # A login (last_login only) changes no list: the cached one stays.
    _select(client, "/tickets/", "owner")
    agent2.last_login = timezone.now()
    agent2.save(update_fields=["last_login"])
    assert not _reads_people(client, "/tickets/")


def test_the_customer_owner_filter_follows_a_rename(client, demo_accounts):
    client.force_login(demo_accounts["supervisor"])
    before = _select(client, "/customers/", "owner")
    sales = next(u for u in demo_accounts.values() if f'value="{u.username}"' in before)
    sales.display_name = "改名的客户经理"
    sales.save()
    assert f'<option value="{sales.username}">改名的客户经理</option>' in _select(
        client, "/customers/", "owner"
    )


def test_a_list_read_before_a_change_commits_is_dropped_when_it_commits(
    demo_accounts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agent2 = demo_accounts["agent2"]
        agent2.display_name = "甲"
        agent2.save()
        # Another request, not seeing the change yet, fills the list again.
        cache.set(CACHE_KEY, {"tickets.owners": [("agent2", "旧名")]})
        assert cache.get(CACHE_KEY) is not None
    assert cache.get(CACHE_KEY) is None


def test_a_change_made_before_the_cache_table_exists_goes_through(
    demo_accounts, settings
):
    """The migrations set up the roles (these signals) before `createcachetable`."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kefu_cache_not_made_yet",
        }
    }
    agent2 = demo_accounts["agent2"]
    agent2.display_name = "乙"
    agent2.save()
    agent2.groups.add(Group.objects.get(name=Role.SUPERVISOR.value))
    assert User.objects.get(pk=agent2.pk).display_name == "乙"
