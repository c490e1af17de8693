import json

import pytest

from accounts.services import api_token_issue
from tickets.tests.conftest import (  # noqa: F401  (the tickets fixtures, reused)
    chinese,
    contact,
    customer,
    make_ticket,
    users,
)


@pytest.fixture
def api(client, users):  # noqa: F811
    """Call the API as a demo user (bearer token)."""
    keys = {}

    def call(method, path, username="agent", body=None, **extra):
        if username not in keys:
            keys[username] = api_token_issue(user=users[username])[0]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {keys[username]}", **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(f"/api/v1{path}", **kwargs)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    return call


@pytest.fixture
def complaint(make_ticket):  # noqa: F811
    """A complaint registered by the agent (accepted, owned by the agent)."""

    def make(actor="agent", **values):
        values.setdefault("type", "complaint")
        values.setdefault("subject", "货物外箱破损，内件受损")
        return make_ticket(actor=actor, **values)

    return make


@pytest.fixture
def act(users, django_capture_on_commit_callbacks):  # noqa: F811
    """Run an action of the registry as a demo user (its notices sent); returns
    the fresh ticket."""
    from tickets.actions import action_run
    from tickets.models import Ticket

    def run(ticket, name, username, **data):
        with django_capture_on_commit_callbacks(execute=True):
            action_run(
                name=name,
                ticket=Ticket.objects.get(pk=ticket.pk),
                actor=users[username],
                data=data,
            )
        return Ticket.objects.get(pk=ticket.pk)

    return run
