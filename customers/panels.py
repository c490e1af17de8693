"""Panels that other apps add to a customer's page (their tickets, …). Each is
loaded by htmx from the other app's own URL, so the archive knows none of them;
an app registers its panel in its AppConfig.ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CustomerPanel:
    key: str
    visible: Callable[[Any], bool]  # (user) -> may see this panel
    url: Callable[[int], str]  # (customer pk) -> the partial's URL


PANELS: dict[str, CustomerPanel] = {}


def customer_panel_register(panel: CustomerPanel) -> None:
    PANELS[panel.key] = panel


def customer_panels_for(*, user: Any, customer_pk: int) -> list[dict[str, str]]:
    """The panels ``user`` sees on this customer's page, as {key, url}."""
    return [
        {"key": panel.key, "url": panel.url(customer_pk)}
        for panel in PANELS.values()
        if panel.visible(user)
    ]
