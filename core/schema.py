"""Pieces shared by every app's API schemas: times, errors and cursor pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar

from django.utils import timezone
from ninja import Schema
from pydantic import AwareDatetime, PlainSerializer

T = TypeVar("T")


def _local_iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


# Times go out in Shanghai time with their offset, e.g. 2026-11-23T09:30:00+08:00.
LocalDateTime = Annotated[dt.datetime, PlainSerializer(_local_iso, return_type=str)]
# Times come in with an offset; a naive time is refused (422).
AwareDateTime = AwareDatetime


class FieldErrorOut(Schema):
    field: str | None
    message: str
    code: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


class ConflictOut(ErrorOut):
    current_version: int | None


class CursorPage(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None
