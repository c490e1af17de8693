"""Hooks other apps register to follow a ticket's timeline (the service levels
keep their clocks this way). Each hook is called with every new event, inside the
transaction that wrote it, after the ticket's row has been saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EventHook = Callable[[Any], None]

_event_hooks: list[EventHook] = []


def event_hook_register(hook: EventHook) -> None:
    """Call ``hook(event)`` for each timeline event written by a ticket service."""
    if hook not in _event_hooks:
        _event_hooks.append(hook)


def event_hooks_run(event: Any) -> None:
    for hook in _event_hooks:
        hook(event)
