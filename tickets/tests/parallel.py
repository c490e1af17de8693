"""Tickets registered (or edited) at the same moment, each in its own thread and
database connection. Run in-process (PostgreSQL) or as a script against a copy
of the test database in a file (SQLite: threads cannot share the in-memory test
database)."""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def create_in_parallel(count: int) -> list[str]:
    """The numbers of ``count`` tickets registered at once (or an error code)."""
    from django.db import connection

    from accounts.models import User
    from customers.models import Customer
    from tickets.services import ticket_create

    barrier = threading.Barrier(count)
    actor_ids = list(
        User.objects.filter(username__in=["agent", "agent2", "warehouse"]).values_list(
            "pk", flat=True
        )
    )
    customer_id = Customer.objects.values_list("pk", flat=True).first()

    def one(index: int) -> str:
        try:
            actor = User.objects.get(pk=actor_ids[index % len(actor_ids)])
            customer = Customer.objects.get(pk=customer_id)
            barrier.wait(timeout=30)
            made = ticket_create(
                actor=actor,
                type="inquiry",
                channel="phone",
                subject=f"并发登记 {index}",
                customer=customer,
            )
            return made.ticket.number
        except Exception as exc:  # reported, so that the test shows what happened
            return f"error: {exc.__class__.__name__}: {exc}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def act_in_parallel(number: str, count: int) -> list[str]:
    """``count`` people resolve the same ticket with the version they all read:
    the outcome of each ("ok", "conflict" or the refusal's code)."""
    from django.db import connection

    from accounts.models import User
    from core.errors import Conflict, DomainError
    from tickets.actions import action_run
    from tickets.models import Ticket

    barrier = threading.Barrier(count)
    version = Ticket.objects.get(number=number).version
    actor_id = User.objects.get(username="supervisor").pk

    def one(index: int) -> str:
        try:
            actor = User.objects.get(pk=actor_id)
            ticket = Ticket.objects.get(number=number)
            barrier.wait(timeout=30)
            action_run(
                name="transfer",
                ticket=ticket,
                actor=actor,
                data={
                    "to_user": ["agent", "agent2"][index % 2],
                    "reason": f"第{index}次",
                    "version": version,
                },
            )
            return "ok"
        except Conflict:
            return "conflict"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def summary(number: str | None = None) -> dict:
    from tickets.models import Ticket, TicketEvent

    result = {"numbers": list(Ticket.objects.values_list("number", flat=True))}
    if number:
        ticket = Ticket.objects.get(number=number)
        result["version"] = ticket.version
        result["transfers"] = TicketEvent.objects.filter(
            ticket=ticket, kind="transfer"
        ).count()
        result["transfer_count"] = ticket.transfer_count
    return result


if __name__ == "__main__":
    import django

    django.setup()
    mode, value, how_many = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "create":
        outcomes = create_in_parallel(how_many)
        print(json.dumps({"outcomes": outcomes, **summary()}))
    else:
        outcomes = act_in_parallel(value, how_many)
        print(json.dumps({"outcomes": outcomes, **summary(value)}))
