"""Field rules of the archive: every value that comes in from a page, the API or
a script is checked here, with a message for the user that names the field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import BUSINESS_ROLES
from core.errors import DomainError
from customers.credit_code import credit_code_clean
from customers.models import Contact, Customer

CUSTOMER_FIELDS = frozenset(
    {
        "kind",
        "name",
        "credit_code",
        "ownership",
        "industry",
        "province",
        "city",
        "size",
        "source",
        "phone",
        "email",
        "address",
        "background",
        "owner",
        "referred_by",
        "tier",
        "credit_rating",
        "credit_limit",
    }
)
CREDIT_FIELDS = frozenset({"credit_rating", "credit_limit"})
CUSTOMER_SEARCHED = frozenset({"name", "phone", "credit_code", "email"})
CONTACT_PUBLIC = frozenset(
    {"name", "title", "decision_role", "phone", "mobile", "email", "is_primary"}
)
CONTACT_PRIVATE = frozenset(
    {"birthday", "family", "interests", "personality", "relationships"}
)
CONTACT_SEARCHED = frozenset({"name", "phone", "mobile", "email"})
CREDIT_LIMIT_MAX = Decimal("999999999999.99")
GRANT_HOURS_MAX = 24 * 30
LABELS = {
    "industry": lambda: _("行业"),
    "province": lambda: _("省份"),
    "city": lambda: _("城市"),
    "family": lambda: _("家庭情况"),
    "interests": lambda: _("兴趣爱好"),
    "personality": lambda: _("性格分析"),
    "relationships": lambda: _("人际关系"),
}
_PHONE = re.compile(r"^[0-9+\-() ,/#转分机xX]{3,32}$")


def text_clean(
    value: Any, *, field: str, label: str, max_length: int, required=False
) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(
            _("请填写%(label)s。") % {"label": label}, field=field, code="required"
        )
    if "\x00" in text:
        raise DomainError(
            _("%(label)s含有无效的空字符。") % {"label": label},
            field=field,
            code="null_character",
        )
    if len(text) > max_length:
        raise DomainError(
            _("%(label)s不能超过 %(max)s 个字符。")
            % {"label": label, "max": max_length},
            field=field,
            code="too_long",
        )
    return text


def choice_clean(value: Any, *, field: str, label: str, choices, blank=True) -> str:
    value = str(value or "").strip()
    if not value and blank:
        return ""
    if value not in choices.values:
        raise DomainError(
            _("%(label)s的取值无效，可选值：%(values)s。")
            % {"label": label, "values": "、".join(choices.values)},
            field=field,
            code="invalid_choice",
        )
    return value


def _phone(value: Any, *, field: str, label: str) -> str:
    text = text_clean(value, field=field, label=label, max_length=32)
    if text and (not _PHONE.match(text) or sum(c.isdigit() for c in text) < 3):
        raise DomainError(
            _("%(label)s格式不正确：只能包含数字、空格和 + - ( ) 等符号。")
            % {"label": label},
            field=field,
            code="invalid_phone",
        )
    return text


def _email(value: Any, *, field: str) -> str:
    text = text_clean(value, field=field, label=_("邮箱"), max_length=254)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise DomainError(
                _("邮箱地址格式不正确。"), field=field, code="invalid_email"
            ) from None
    return text


def _credit_limit(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("信用额度请填写金额（元）。"), field="credit_limit", code="invalid"
        ) from None
    if amount < 0 or amount > CREDIT_LIMIT_MAX:
        raise DomainError(
            _("信用额度应在 0 到 999,999,999,999.99 元之间。"),
            field="credit_limit",
            code="out_of_range",
        )
    return amount


def owner_clean(value: User | None) -> User | None:
    if value is None:
        return None
    if not value.is_active or not has_role(value, *BUSINESS_ROLES):
        raise DomainError(
            _("客户经理必须是在职的业务人员。"), field="owner", code="invalid_owner"
        )
    return value


def customer_clean(
    values: dict[str, Any], *, instance: Customer | None, clash_check: bool = True
) -> dict:
    """Validate the given customer fields; messages name the field. An import
    checks credit codes against the archive itself, in batches
    (``clash_check=False``)."""
    unknown = set(values) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f"not customer fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "kind":
            value = choice_clean(
                value, field=name, label=_("类型"), choices=Customer.Kind, blank=False
            )
        elif name == "name":
            value = text_clean(
                value, field=name, label=_("名称"), max_length=200, required=True
            )
        elif name == "credit_code":
            value = credit_code_clean(value, field=name)
        elif name == "ownership":
            value = choice_clean(
                value, field=name, label=_("所有制"), choices=Customer.Ownership
            )
        elif name == "size":
            value = choice_clean(
                value, field=name, label=_("规模"), choices=Customer.Size
            )
        elif name == "source":
            value = choice_clean(
                value, field=name, label=_("信息来源"), choices=Customer.Source
            )
        elif name == "tier":
            value = choice_clean(
                value,
                field=name,
                label=_("客户分级"),
                choices=Customer.Tier,
                blank=False,
            )
        elif name == "credit_rating":
            value = choice_clean(
                value, field=name, label=_("信用评级"), choices=Customer.CreditRating
            )
        elif name == "credit_limit":
            value = _credit_limit(value)
        elif name == "phone":
            value = _phone(value, field=name, label=_("电话"))
        elif name == "email":
            value = _email(value, field=name)
        elif name == "owner":
            value = owner_clean(value)
        elif name == "referred_by":
            if value is not None and (
                value.is_deleted or (instance is not None and value.pk == instance.pk)
            ):
                raise DomainError(
                    _("推荐客户不能是本客户或已删除的客户。"),
                    field=name,
                    code="invalid_referrer",
                )
        elif name in LABELS:
            value = text_clean(value, field=name, label=LABELS[name](), max_length=64)
        elif name == "address":
            value = text_clean(value, field=name, label=_("地址"), max_length=200)
        elif name == "background":
            value = text_clean(value, field=name, label=_("背景资料"), max_length=5000)
        cleaned[name] = value
    kind = cleaned.get(
        "kind", instance.kind if instance else Customer.Kind.ORGANISATION
    )
    code = cleaned.get("credit_code", instance.credit_code if instance else "")
    if kind == Customer.Kind.PERSON and code:
        raise DomainError(
            _("个人客户没有统一社会信用代码，请清空此项或把类型改为单位。"),
            field="credit_code",
            code="person_has_no_credit_code",
        )
    if code and "credit_code" in cleaned and clash_check:
        clash = Customer.objects.filter(credit_code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        other = clash.first()
        if other is not None:
            raise DomainError(
                _("统一社会信用代码已被客户“%(name)s”使用。") % {"name": other.name},
                field="credit_code",
                code="duplicate",
            )
    return cleaned


def birthday_clean(value: dict | None) -> dict[str, Any]:
    """{calendar, year, month, day, leap_month} → model fields; errors name
    ``birthday.<part>``."""
    empty = {
        "birthday_calendar": "",
        "birthday_year": None,
        "birthday_month": None,
        "birthday_day": None,
        "birthday_leap_month": False,
    }
    value = value or {}
    calendar = str(value.get("calendar") or "").strip()
    year, month, day = value.get("year"), value.get("month"), value.get("day")
    leap = bool(value.get("leap_month"))
    if not any([year, month, day]):
        return empty
    if not month:
        raise DomainError(
            _("请填写生日的月份。"), field="birthday.month", code="required"
        )
    if not day:
        raise DomainError(
            _("请填写生日的日期。"), field="birthday.day", code="required"
        )
    calendar = calendar or Contact.Calendar.SOLAR
    if calendar not in Contact.Calendar.values:
        raise DomainError(
            _("生日历法只能是公历或农历。"), field="birthday.calendar", code="invalid"
        )
    try:
        year = int(year) if year else None
        month, day = int(month), int(day)
    except (TypeError, ValueError):
        raise DomainError(
            _("生日请填写数字。"), field="birthday.month", code="invalid"
        ) from None
    this_year = timezone.localdate().year
    if year is not None and not 1900 <= year <= this_year:
        raise DomainError(
            _("出生年份应在 1900 到 %(year)s 之间。") % {"year": this_year},
            field="birthday.year",
            code="out_of_range",
        )
    if not 1 <= month <= 12:
        raise DomainError(
            _("月份应在 1 到 12 之间。"), field="birthday.month", code="out_of_range"
        )
    if calendar == Contact.Calendar.LUNAR:
        if not 1 <= day <= 30:
            raise DomainError(
                _("农历日期应在初一到三十之间。"),
                field="birthday.day",
                code="out_of_range",
            )
    else:
        if leap:
            raise DomainError(
                _("只有农历生日才有闰月。"),
                field="birthday.leap_month",
                code="invalid",
            )
        try:
            dt.date(year or 2000, month, day)  # 2000 keeps 29 February
        except ValueError:
            raise DomainError(
                _("公历没有这一天，请检查月份和日期。"),
                field="birthday.day",
                code="invalid_date",
            ) from None
    return {
        "birthday_calendar": calendar,
        "birthday_year": year,
        "birthday_month": month,
        "birthday_day": day,
        "birthday_leap_month": leap,
    }


def contact_clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - CONTACT_PUBLIC - CONTACT_PRIVATE
    if unknown:
        raise TypeError(f"not contact fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "name":
            cleaned[name] = text_clean(
                value, field=name, label=_("姓名"), max_length=64, required=True
            )
        elif name == "title":
            cleaned[name] = text_clean(
                value, field=name, label=_("职务"), max_length=64
            )
        elif name == "decision_role":
            cleaned[name] = choice_clean(
                value, field=name, label=_("决策角色"), choices=Contact.DecisionRole
            )
        elif name == "phone":
            cleaned[name] = _phone(value, field=name, label=_("座机"))
        elif name == "mobile":
            cleaned[name] = _phone(value, field=name, label=_("手机"))
        elif name == "email":
            cleaned[name] = _email(value, field=name)
        elif name == "is_primary":
            cleaned[name] = bool(value)
        elif name == "birthday":
            cleaned.update(birthday_clean(value))
        else:
            cleaned[name] = text_clean(
                value, field=name, label=LABELS[name](), max_length=2000
            )
    return cleaned


def reason_clean(reason: str, *, field: str = "reason", label=None) -> str:
    return text_clean(
        reason,
        field=field,
        label=label or _("原因"),
        max_length=1000,
        required=True,
    )
