"""Keyset pagination with opaque, signed cursors. No OFFSET, no totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import DomainError

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_SALT = "kefu.cursor"


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def limit_validate(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(
            _("每页条数必须在 1 到 %(max)s 之间。") % {"max": MAX_LIMIT},
            field="limit",
            code="out_of_range",
        )
    return limit


def _dump(value: Any) -> list:
    if isinstance(value, dt.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["dec", str(value)]
    if value is None or isinstance(value, int | str | float | bool):
        return ["v", value]
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _load(item: list) -> Any:
    kind, raw = item
    if kind == "dt":
        return dt.datetime.fromisoformat(raw)
    if kind == "d":
        return dt.date.fromisoformat(raw)
    if kind == "dec":
        return Decimal(raw)
    if kind == "v":
        return raw
    raise ValueError(kind)


def cursor_encode(values: Sequence[Any]) -> str:
    return signing.dumps([_dump(v) for v in values], salt=_SALT, compress=False)


def cursor_decode(cursor: str, size: int) -> list[Any]:
    bad = DomainError(_("翻页游标无效。"), field="cursor", code="invalid_cursor")
    try:
        raw = signing.loads(cursor, salt=_SALT)
        values = [_load(item) for item in raw]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        raise bad from None
    if len(values) != size or any(v is None for v in values):
        raise bad
    return values


def _field_value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def _after_q(fields: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in the ordering: a leading range bound (so
    that an index on the ordering serves it) and the lexicographic condition."""
    first, first_desc = fields[0]
    condition = Q()
    for i, (name, desc) in enumerate(fields):
        term = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
        for j in range(i):
            term &= Q(**{fields[j][0]: values[j]})
        condition |= term
    bound = Q(**{f"{first}__{'lte' if first_desc else 'gte'}": values[0]})
    return bound & condition


def keyset_paginate(
    queryset: QuerySet[T],
    *,
    ordering: Sequence[str],
    cursor: str | None,
    limit: int | None,
) -> Page[T]:
    """One page of ``queryset`` in ``ordering`` (which must end in a unique field)."""
    limit = limit_validate(limit)
    fields = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = queryset.filter(_after_q(fields, cursor_decode(cursor, len(fields))))
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(
            [_field_value(rows[-1], name) for name, _d in fields]
        )
    return Page(items=rows, next_cursor=next_cursor)
