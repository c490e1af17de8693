"""The audit writer: every module records security-relevant events through here."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from core.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the server saw it (REMOTE_ADDR; a proxy must set it)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    event: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    result: str = AuditEvent.Result.OK,
    data: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit row; ``actor`` defaults to the request's user."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        event=event,
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        ip=client_ip(request),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        result=result,
        data=data or {},
    )


def audit_record_many(
    *,
    event: str,
    objects: list[models.Model],
    actor: Any = None,
    request: HttpRequest | None = None,
    data: dict | None = None,
) -> list[AuditEvent]:
    """One row per object in a single INSERT (e.g. a list that revealed many
    records), so that the cost of auditing does not grow with the page."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    username = actor.get_username()[:150] if actor is not None else ""
    ip = client_ip(request)
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                event=event,
                actor=actor,
                actor_username=username,
                ip=ip,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                data=data or {},
            )
            for obj in objects
        ]
    )
