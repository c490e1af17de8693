from ninja import Schema

from core.schema import LocalDateTime


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: LocalDateTime
    read_at: LocalDateTime | None
