"""Errors that services raise and that pages and the API turn into answers.

A ``DomainError`` is a rule of the business the user broke: it names the field and
carries a message for the user (422 in the API, a form error on a page). A
``Conflict`` is a stale ``version`` (409)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict:
        return {"field": self.field, "message": str(self.message), "code": self.code}


class DomainError(Exception):
    """A request that breaks a rule; nothing was changed."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        self.errors = errors or [FieldError(field, message, code)]

    def __str__(self) -> str:
        return str(self.message)


class Conflict(Exception):
    """Someone else changed the object since the caller read it."""

    def __init__(self, *, current_version: int | None) -> None:
        self.current_version = current_version
        self.message = _("该记录已被他人修改，请刷新后重试。")
        super().__init__(str(self.message))
