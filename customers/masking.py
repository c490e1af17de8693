"""The one masking function of the archive. Pages, htmx partials, the API, search
results, prints and exports all read customers and contacts through ``masked``:
a confidential field reads as None and is named in ``masked_fields``."""

from __future__ import annotations

from typing import Any

from customers.models import Contact, Customer

# Each confidential field (as the API names it) and the attributes it hides.
CONFIDENTIAL: dict[type, dict[str, tuple[str, ...]]] = {
    Customer: {
        "credit_rating": ("credit_rating", "get_credit_rating_display"),
        "credit_limit": ("credit_limit",),
        "credit_score": ("credit_score",),
        "credit_balance": ("credit_balance",),
        "credit_trend": ("credit_trend", "get_credit_trend_display"),
        "credit_assessed_at": ("credit_assessed_at",),
    },
    Contact: {
        "birthday": (
            "birthday_calendar",
            "birthday_year",
            "birthday_month",
            "birthday_day",
            "birthday_leap_month",
            "birthday_display",
            "get_birthday_calendar_display",
        ),
        "family": ("family",),
        "interests": ("interests",),
        "personality": ("personality",),
        "relationships": ("relationships",),
    },
}


class Masked:
    """A read-only view of a customer or contact for one viewer."""

    __slots__ = ("_obj", "_hidden", "masked_fields", "basis")

    def __init__(self, obj: Any, *, basis: str | None) -> None:
        spec = CONFIDENTIAL[type(obj)]
        self._obj = obj
        self.basis = basis
        self.masked_fields = [] if basis else list(spec)
        self._hidden = (
            frozenset()
            if basis
            else frozenset(a for attrs in spec.values() for a in attrs)
        )

    def __getattr__(self, name: str) -> Any:
        if name in self._hidden:
            return None
        return getattr(self._obj, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__slots__:
            object.__setattr__(self, name, value)
        else:
            raise AttributeError("a masked record is read-only")

    def __str__(self) -> str:
        return str(self._obj)

    def __eq__(self, other: object) -> bool:
        other = other._obj if isinstance(other, Masked) else other
        return self._obj == other

    def __hash__(self) -> int:
        return hash(self._obj)

    @property
    def revealed(self) -> bool:
        return self.basis is not None

    @property
    def record(self) -> Any:
        """The unmasked row, for code that writes (services re-check permissions)."""
        return self._obj


def masked(obj: Any, *, basis: str | None) -> Masked:
    """``obj`` as a viewer with this basis sees it (None: confidential fields hidden)."""
    return Masked(obj, basis=basis)
