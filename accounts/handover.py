"""What a member of staff holds, for handovers (交接) and deactivation.

When someone leaves or changes job, everything they hold moves to named receivers
in one recorded operation (the customers app's handover page and service), and an
account that still holds anything cannot be deactivated. Each app that gives
people things to hold registers a provider here, in its ``AppConfig.ready``::

    from accounts.handover import HandoverProvider, handover_provider_register

    handover_provider_register(
        HandoverProvider(
            kind="tickets",
            label=_("未结工单"),
            count=lambda user: Ticket.objects.filter(owner=user, ...).count(),
            examples=lambda user, n: [t.number for t in ...[:n]],
            transfer=tickets_handover,   # (*, from_user, to_user, actor, request)
            receiver_error=lambda user: None or _("…"),
        )
    )

``transfer`` runs inside the handover's transaction and returns how many items it
moved; when it raises, nothing of the handover is kept. A provider whose items
cannot change hands (a personal request) sets ``needs_receiver=False`` and closes
them in ``transfer`` (``to_user`` is then None).

This module imports no other app: ``accounts.services.user_update`` asks it whether
a person may be deactivated, without knowing what the apps hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.errors import DomainError


def _nothing_wrong(user: Any) -> str | None:
    return None


def _no_examples(user: Any, limit: int) -> list[str]:
    return []


@dataclass(frozen=True)
class HandoverProvider:
    kind: str  # stable code, e.g. "customers", "tickets"
    label: Any  # what it is, as the page says it (lazy translation)
    count: Callable[[Any], int]
    transfer: Callable[..., int]
    examples: Callable[[Any, int], list[str]] = field(default=_no_examples)
    # Why ``user`` cannot receive this kind (a message), or None.
    receiver_error: Callable[[Any], str | None] = field(default=_nothing_wrong)
    needs_receiver: bool = True
    order: int = 100


@dataclass(frozen=True)
class Holding:
    """What one person holds of one kind."""

    provider: HandoverProvider
    count: int
    examples: list[str]

    @property
    def kind(self) -> str:
        return self.provider.kind

    @property
    def label(self) -> str:
        return str(self.provider.label)

    @property
    def needs_receiver(self) -> bool:
        return self.provider.needs_receiver


_PROVIDERS: dict[str, HandoverProvider] = {}


def handover_provider_register(provider: HandoverProvider) -> None:
    """Add (or replace) the provider of one kind of holding."""
    _PROVIDERS[provider.kind] = provider


def handover_providers() -> list[HandoverProvider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.kind))


def handover_holdings(user: Any, *, examples: int = 0) -> list[Holding]:
    """What ``user`` holds, kind by kind (kinds with nothing are left out)."""
    held = []
    for provider in handover_providers():
        count = provider.count(user)
        if count:
            shown = provider.examples(user, examples) if examples else []
            held.append(Holding(provider=provider, count=count, examples=shown))
    return held


def handover_required_check(user: Any) -> None:
    """Refuse (a DomainError on ``is_active`` listing each kind and how many) to
    let someone go who still holds anything: it would be left with nobody."""
    held = handover_holdings(user)
    if not held:
        return
    summary = "；".join(
        _("%(label)s %(count)s 项") % {"label": h.label, "count": h.count} for h in held
    )
    message = _("%(name)s 还负责以下事项，停用前请先办理交接：%(summary)s。") % {
        "name": getattr(user, "name", str(user)),
        "summary": summary,
    }
    raise DomainError(message, field="is_active", code="handover_required")
