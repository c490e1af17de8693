"""The API's error contract, implemented once: every failure answers
``{"detail": "…", "errors": [{"field", "message", "code"}]}`` in the user's language."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from core.audit import audit_access_denied
from core.errors import Conflict, DomainError

_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _messages() -> dict[str, str]:
    return {
        "missing": _("此项为必填项。"),
        "string_too_long": _("长度不能超过 %(max_length)s 个字符。"),
        "string_too_short": _("长度不能少于 %(min_length)s 个字符。"),
        "string_type": _("请输入文本。"),
        "int_parsing": _("请输入整数。"),
        "int_type": _("请输入整数。"),
        "int_from_float": _("请输入整数。"),
        "float_parsing": _("请输入数字。"),
        "decimal_parsing": _("请输入数字。"),
        "bool_parsing": _("请输入 true 或 false。"),
        "bool_type": _("请输入 true 或 false。"),
        "greater_than_equal": _("不能小于 %(ge)s。"),
        "greater_than": _("必须大于 %(gt)s。"),
        "less_than_equal": _("不能大于 %(le)s。"),
        "less_than": _("必须小于 %(lt)s。"),
        "datetime_parsing": _("时间格式无效，请使用带时区的 ISO 8601 格式。"),
        "datetime_from_date_parsing": _("时间格式无效，请使用带时区的 ISO 8601 格式。"),
        "datetime_type": _("时间格式无效，请使用带时区的 ISO 8601 格式。"),
        "timezone_aware": _("时间必须带时区偏移，例如 2026-11-23T09:30:00+08:00。"),
        "date_parsing": _("日期格式无效，请使用 YYYY-MM-DD。"),
        "date_from_datetime_parsing": _("日期格式无效，请使用 YYYY-MM-DD。"),
        "enum": _("取值无效，可选值：%(expected)s。"),
        "literal_error": _("取值无效，可选值：%(expected)s。"),
        "list_type": _("请提供一个列表。"),
        "dict_type": _("请提供一个对象。"),
        "model_attributes_type": _("请提供一个对象。"),
        "too_long": _("最多 %(max_length)s 项。"),
        "extra_forbidden": _("不支持此字段。"),
        "uuid_parsing": _("编号格式无效。"),
    }


def _field_name(loc: tuple | list) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        location, parts = parts[0], parts[1:]
        # A body read into one schema parameter carries its name first.
        if location == "body" and len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or None


def _message(error: dict) -> str:
    kind = error.get("type", "")
    template = _messages().get(kind)
    if template is None:
        message = str(error.get("msg", ""))
        if kind == "value_error" and message.startswith("Value error, "):
            return message[len("Value error, ") :]
        return _("取值无效。")
    context = dict(error.get("ctx") or {})
    try:
        return template % context if "%(" in template else template
    except (KeyError, TypeError, ValueError):
        return _("取值无效。")


def validation_errors(errors: list[dict]) -> list[dict]:
    return [
        {
            "field": _field_name(e.get("loc", ())),
            "message": _message(e),
            "code": e.get("type", "invalid"),
        }
        for e in errors
    ]


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every failure of an operation onto the contract's status codes and shape."""

    def answer(
        request: HttpRequest, status: int, detail: str, errors=(), **extra
    ) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": str(detail), "errors": list(errors), **extra},
            status=status,
        )

    @api.exception_handler(ValidationError)
    def on_validation(request, exc: ValidationError):
        return answer(request, 422, _("输入有误。"), validation_errors(exc.errors))

    @api.exception_handler(DomainError)
    def on_domain(request, exc: DomainError):
        return answer(request, 422, exc.message, [e.as_dict() for e in exc.errors])

    @api.exception_handler(Conflict)
    def on_conflict(request, exc: Conflict):
        return answer(
            request,
            409,
            exc.message,
            [
                {
                    "field": "version",
                    "message": str(exc.message),
                    "code": "stale_version",
                }
            ],
            current_version=exc.current_version,
        )

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc: PermissionDenied):
        audit_access_denied(request, status=403)
        return answer(request, 403, _("无权执行此操作。"))

    @api.exception_handler(Http404)
    def on_missing(request, exc: Http404):
        return answer(request, 404, _("未找到。"))

    @api.exception_handler(ObjectDoesNotExist)
    def on_object_missing(request, exc: ObjectDoesNotExist):
        return answer(request, 404, _("未找到。"))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc: AuthenticationError):
        return answer(request, 401, _("需要登录或有效的令牌。"))

    @api.exception_handler(Throttled)
    def on_throttled(request, exc: Throttled):
        response = answer(request, 429, _("请求过于频繁，请稍后再试。"))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        if exc.status_code == 400:
            return answer(request, 400, _("请求体无法解析，请发送有效的 JSON。"))
        if exc.status_code == 403:
            audit_access_denied(request, status=403)
            return answer(request, 403, _("无权执行此操作。"))
        return answer(request, exc.status_code, exc.message)
