from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from core.schema import LocalDateTime


class AuditEventOut(Schema):
    id: int
    occurred_at: LocalDateTime
    username: str = Field(..., alias="actor_username")
    ip: str | None
    event: str
    event_label: str
    object_type: str
    object_id: str
    object_repr: str
    result: str
    data: dict


class AuditQuery(Schema):
    start: dt.date | None = Field(None, description="开始日期（北京时间，含当天）")
    end: dt.date | None = Field(None, description="结束日期（北京时间，含当天）")
    username: str = Field("", max_length=150)
    event: str = Field("", max_length=64)
    object_type: str = Field("", max_length=64)
    object_id: str = Field("", max_length=64)
    result: str = Field("", max_length=10)
    ip: str = Field("", max_length=45)
    limit: int | None = None
    cursor: str | None = None
