from __future__ import annotations

from ninja import Field, Schema

from core.schema import LocalDateTime


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
    otp: str | None = Field(
        None, max_length=12, description="当前动态码（已启用双因素认证的账户必填）"
    )


class TokenOut(Schema):
    token: str
    expires_at: LocalDateTime


class DepartmentRef(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    name: str
    email: str
    department: DepartmentRef | None
    roles: list[str]
    capabilities: list[str]
