"""Writes of the customer archive: one function per state change. Each checks the
rules again (pages and the API call the same functions), writes its audit row in
the same transaction and keeps the search index in step."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import BUSINESS_ROLES
from core.audit import audit_record, audit_record_many
from core.errors import DomainError
from core.versioning import version_check, version_require, versioned_update
from customers.credit_code import credit_code_clean
from customers.masking import Masked, masked
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.permissions import (
    DECIDE_GRANT,
    can_add_customer_event,
    can_assign_owner,
    can_change_customer,
    can_create_customer,
    can_decide_grants,
    can_delete_customer,
    can_flag_problem,
    can_request_grant,
    can_view_customers,
    can_write_credit,
    confidential_basis,
)
from customers.search import customer_index, name_sort_key
from customers.selectors import customer_basis, customer_get_visible, grant_live_for
from notify.services import notify_user

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


# --- field rules -------------------------------------------------------------------


def _text(
    value: Any, *, field: str, label: str, max_length: int, required=False
) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(
            _("请填写%(label)s。") % {"label": label}, field=field, code="required"
        )
    if len(text) > max_length:
        raise DomainError(
            _("%(label)s不能超过 %(max)s 个字符。")
            % {"label": label, "max": max_length},
            field=field,
            code="too_long",
        )
    return text


def _choice(value: Any, *, field: str, label: str, choices, blank=True) -> str:
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
    text = _text(value, field=field, label=label, max_length=32)
    if text and (not _PHONE.match(text) or sum(c.isdigit() for c in text) < 3):
        raise DomainError(
            _("%(label)s格式不正确：只能包含数字、空格和 + - ( ) 等符号。")
            % {"label": label},
            field=field,
            code="invalid_phone",
        )
    return text


def _email(value: Any, *, field: str) -> str:
    text = _text(value, field=field, label=_("邮箱"), max_length=254)
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


def _owner(value: User | None) -> User | None:
    if value is None:
        return None
    if not value.is_active or not has_role(value, *BUSINESS_ROLES):
        raise DomainError(
            _("客户经理必须是在职的业务人员。"), field="owner", code="invalid_owner"
        )
    return value


def _customer_clean(values: dict[str, Any], *, instance: Customer | None) -> dict:
    """Validate the given customer fields; messages name the field."""
    unknown = set(values) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f"not customer fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "kind":
            value = _choice(
                value, field=name, label=_("类型"), choices=Customer.Kind, blank=False
            )
        elif name == "name":
            value = _text(
                value, field=name, label=_("名称"), max_length=200, required=True
            )
        elif name == "credit_code":
            value = credit_code_clean(value, field=name)
        elif name == "ownership":
            value = _choice(
                value, field=name, label=_("所有制"), choices=Customer.Ownership
            )
        elif name == "size":
            value = _choice(value, field=name, label=_("规模"), choices=Customer.Size)
        elif name == "source":
            value = _choice(
                value, field=name, label=_("信息来源"), choices=Customer.Source
            )
        elif name == "tier":
            value = _choice(
                value,
                field=name,
                label=_("客户分级"),
                choices=Customer.Tier,
                blank=False,
            )
        elif name == "credit_rating":
            value = _choice(
                value, field=name, label=_("信用评级"), choices=Customer.CreditRating
            )
        elif name == "credit_limit":
            value = _credit_limit(value)
        elif name == "phone":
            value = _phone(value, field=name, label=_("电话"))
        elif name == "email":
            value = _email(value, field=name)
        elif name == "owner":
            value = _owner(value)
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
            value = _text(value, field=name, label=LABELS[name](), max_length=64)
        elif name == "address":
            value = _text(value, field=name, label=_("地址"), max_length=200)
        elif name == "background":
            value = _text(value, field=name, label=_("背景资料"), max_length=5000)
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
    if code and "credit_code" in cleaned:
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


def _save_unique(save) -> None:
    """Run ``save``; a credit code taken by a concurrent writer is a field error."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise DomainError(
            _("统一社会信用代码已被其他客户使用。"),
            field="credit_code",
            code="duplicate",
        ) from None


# --- customers ---------------------------------------------------------------------


@transaction.atomic
def customer_create(
    *, actor: User, request: HttpRequest | None = None, **values: Any
) -> Customer:
    """Register a customer (any department may); indexed and audited."""
    if not can_create_customer(actor):
        raise PermissionDenied
    values.setdefault("kind", Customer.Kind.ORGANISATION)
    values.setdefault("tier", Customer.Tier.C)
    values.setdefault("name", "")
    cleaned = _customer_clean(values, instance=None)
    owner = cleaned.get("owner")
    if owner is not None and owner != actor and not can_assign_owner(actor):
        raise DomainError(
            _("您只能把自己设为客户经理。"), field="owner", code="not_allowed"
        )
    customer = Customer(created_by=actor, **cleaned)
    customer.name_sort = name_sort_key(customer.name)
    if (customer.credit_rating or customer.credit_limit is not None) and not (
        can_write_credit(actor, customer)
    ):
        raise DomainError(
            _("只有客户经理或客服部经理可以填写信用信息。"),
            field="credit_rating" if customer.credit_rating else "credit_limit",
            code="not_allowed",
        )
    _save_unique(customer.save)
    customer_index.refresh([customer])
    audit_record(
        event="customer.create",
        actor=actor,
        request=request,
        obj=customer,
        data={"kind": customer.kind, "owner": owner.username if owner else None},
    )
    return customer


def _locked_customer(customer: Customer) -> Customer:
    return (
        Customer.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=customer.pk)
    )


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    version: int | None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Customer:
    """Change a customer's fields if ``version`` is still current (else Conflict).
    Owner changes need the right to assign; credit needs owner or manager."""
    version_require(version)
    customer = _locked_customer(customer)
    if not can_change_customer(actor, customer):
        raise PermissionDenied
    version_check(customer, version)
    cleaned = _customer_clean(changes, instance=customer)
    changed = [
        name for name, value in cleaned.items() if getattr(customer, name) != value
    ]
    if "owner" in changed and not can_assign_owner(actor):
        raise DomainError(_("您无权更改客户经理。"), field="owner", code="not_allowed")
    if CREDIT_FIELDS & set(changed) and not can_write_credit(actor, customer):
        raise DomainError(
            _("只有客户经理或客服部经理可以修改信用信息。"),
            field=sorted(CREDIT_FIELDS & set(changed))[0],
            code="not_allowed",
        )
    for name in changed:
        setattr(customer, name, cleaned[name])
    fields = list(changed)
    if "name" in changed:
        customer.name_sort = name_sort_key(customer.name)
        fields.append("name_sort")
    _save_unique(lambda: versioned_update(customer, version=version, fields=fields))
    if CUSTOMER_SEARCHED & set(changed):
        customer_index.refresh([customer])
    audit_record(
        event="customer.update",
        actor=actor,
        request=request,
        obj=customer,
        data={"fields": sorted(changed), "version": customer.version},
    )
    return customer


def _reason(reason: str, *, field: str = "reason", label=None) -> str:
    return _text(
        reason,
        field=field,
        label=label or _("原因"),
        max_length=1000,
        required=True,
    )


@transaction.atomic
def customer_delete(
    *,
    actor: User,
    customer: Customer,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Customer:
    """Retire a customer (soft delete, service manager only); it leaves lists and
    search, its rows stay, and the audit log says who and why."""
    customer = _locked_customer(customer)
    if not can_delete_customer(actor):
        raise PermissionDenied
    version_check(customer, version)
    reason = _reason(reason)
    customer.deleted_at = timezone.now()
    customer.deleted_by = actor
    versioned_update(
        customer, version=customer.version, fields=["deleted_at", "deleted_by"]
    )
    customer_index.remove([customer.pk])
    audit_record(
        event="customer.delete",
        actor=actor,
        request=request,
        obj=customer,
        data={"reason": reason},
    )
    return customer


@transaction.atomic
def customer_verify(
    *,
    actor: User,
    customer: Customer,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Customer:
    """Record that the archive was checked against the customer today (动态管理)."""
    customer = _locked_customer(customer)
    if not can_change_customer(actor, customer):
        raise PermissionDenied
    version_check(customer, version)
    customer.verified_at = timezone.now()
    customer.verified_by = actor
    versioned_update(
        customer, version=customer.version, fields=["verified_at", "verified_by"]
    )
    audit_record(event="customer.verify", actor=actor, request=request, obj=customer)
    return customer


@transaction.atomic
def customer_flag_problem(
    *,
    actor: User,
    customer: Customer,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Customer:
    """Mark an abusive customer (淘汰定律), with a reason. It blocks nothing: the
    flag only shows wherever the customer appears."""
    customer = _locked_customer(customer)
    if not can_flag_problem(actor):
        raise PermissionDenied
    version_check(customer, version)
    if customer.is_problem:
        raise DomainError(
            _("该客户已被标记为问题客户。"), field="action", code="already_flagged"
        )
    customer.problem_reason = _reason(reason)
    customer.is_problem = True
    customer.problem_flagged_at = timezone.now()
    customer.problem_flagged_by = actor
    versioned_update(
        customer,
        version=customer.version,
        fields=[
            "is_problem",
            "problem_reason",
            "problem_flagged_at",
            "problem_flagged_by",
        ],
    )
    audit_record(
        event="customer.flag_problem",
        actor=actor,
        request=request,
        obj=customer,
        data={"reason": customer.problem_reason},
    )
    return customer


@transaction.atomic
def customer_unflag_problem(
    *,
    actor: User,
    customer: Customer,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Customer:
    """Lift the problem-customer flag, with a reason."""
    customer = _locked_customer(customer)
    if not can_flag_problem(actor):
        raise PermissionDenied
    version_check(customer, version)
    if not customer.is_problem:
        raise DomainError(
            _("该客户没有被标记为问题客户。"), field="action", code="not_flagged"
        )
    reason = _reason(reason)
    previous = customer.problem_reason
    customer.is_problem = False
    customer.problem_reason = ""
    customer.problem_flagged_at = None
    customer.problem_flagged_by = None
    versioned_update(
        customer,
        version=customer.version,
        fields=[
            "is_problem",
            "problem_reason",
            "problem_flagged_at",
            "problem_flagged_by",
        ],
    )
    audit_record(
        event="customer.unflag_problem",
        actor=actor,
        request=request,
        obj=customer,
        data={"reason": reason, "previous_reason": previous},
    )
    return customer


# --- viewing: every view of an archive and every reveal is audited -----------------


def customer_view_record(
    *,
    viewer: User,
    customer: Customer,
    basis: str | None,
    channel: str,
    request: HttpRequest | None = None,
) -> None:
    """Log that ``viewer`` opened this archive (page, partial, print, API) and,
    when its confidential layer was shown, that it was revealed and on what basis."""
    audit_record(
        event="customer.view",
        actor=viewer,
        request=request,
        obj=customer,
        data={"channel": channel, "masked": basis is None},
    )
    if basis is not None:
        audit_record(
            event="customer.reveal",
            actor=viewer,
            request=request,
            obj=customer,
            data={"channel": channel, "basis": basis},
        )


def customers_reveal_record(
    *,
    viewer: User,
    revealed: list[Any],
    channel: str,
    request: HttpRequest | None = None,
) -> None:
    """Log the customers whose confidential fields a list or export showed (one
    row per customer, one INSERT)."""
    if revealed:
        audit_record_many(
            event="customer.reveal",
            objects=[getattr(c, "record", c) for c in revealed],
            actor=viewer,
            request=request,
            data={"channel": channel},
        )


def customer_access_denied_record(
    *, viewer: User, request: HttpRequest | None, target: str
) -> None:
    """Log a refused attempt to read the archive."""
    audit_record(
        event="access.denied",
        actor=viewer,
        request=request,
        result="denied",
        data={"target": target, "path": request.path if request else ""},
    )


def customer_readers_only(*, viewer: User, request: HttpRequest | None) -> None:
    """Refuse (and log) anyone who may not read customers at all."""
    if not can_view_customers(viewer):
        customer_access_denied_record(
            viewer=viewer, request=request, target="customers.customer"
        )
        raise PermissionDenied


def customer_open(
    *,
    viewer: User,
    pk: int,
    channel: str,
    request: HttpRequest | None = None,
) -> Masked:
    """Open one customer's archive for a viewer: refused and logged for those who
    may not read customers, 404 when missing, otherwise masked for the viewer and
    the view (and any reveal) logged."""
    customer_readers_only(viewer=viewer, request=request)
    customer = customer_get_visible(user=viewer, pk=pk)
    basis = customer_basis(user=viewer, customer=customer)
    customer_view_record(
        viewer=viewer, customer=customer, basis=basis, channel=channel, request=request
    )
    return masked(customer, basis=basis)


# --- contacts ----------------------------------------------------------------------


def _birthday_clean(value: dict | None) -> dict[str, Any]:
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


def _contact_clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - CONTACT_PUBLIC - CONTACT_PRIVATE
    if unknown:
        raise TypeError(f"not contact fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "name":
            cleaned[name] = _text(
                value, field=name, label=_("姓名"), max_length=64, required=True
            )
        elif name == "title":
            cleaned[name] = _text(value, field=name, label=_("职务"), max_length=64)
        elif name == "decision_role":
            cleaned[name] = _choice(
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
            cleaned.update(_birthday_clean(value))
        else:
            cleaned[name] = _text(
                value, field=name, label=LABELS[name](), max_length=2000
            )
    return cleaned


def _private_given(values: dict[str, Any]) -> list[str]:
    given = []
    for name in CONTACT_PRIVATE & set(values):
        value = values[name]
        if name == "birthday":
            value = value and any(
                (value or {}).get(k) for k in ("year", "month", "day")
            )
        if value:
            given.append(name)
    return sorted(given)


def _private_refused(field: str) -> DomainError:
    return DomainError(
        _("您无权查看或修改此客户联系人的私人信息，请先申请查阅授权。"),
        field=field,
        code="confidential",
    )


def _primary_only(contact: Contact) -> None:
    if contact.is_primary:
        Contact.objects.filter(
            customer_id=contact.customer_id, is_primary=True
        ).exclude(pk=contact.pk).update(is_primary=False)


@transaction.atomic
def contact_create(
    *,
    actor: User,
    customer: Customer,
    request: HttpRequest | None = None,
    **values: Any,
) -> Contact:
    """Add a contact to a customer. The private layer may only be written by
    someone who may read it (owner, service manager, live grant)."""
    customer = _locked_customer(customer)
    if not can_change_customer(actor, customer):
        raise PermissionDenied
    private = _private_given(values)
    if private and customer_basis(user=actor, customer=customer) is None:
        raise _private_refused(private[0])
    values.setdefault("name", "")
    cleaned = _contact_clean(values)
    contact = Contact.objects.create(customer=customer, created_by=actor, **cleaned)
    _primary_only(contact)
    customer_index.refresh([customer])
    audit_record(
        event="contact.create",
        actor=actor,
        request=request,
        obj=contact,
        data={"customer": customer.pk, "private_fields": private},
    )
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: User,
    contact: Contact,
    version: int | None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Contact:
    """Change a contact if ``version`` is still current; the private layer only
    for those who may read it."""
    version_require(version)
    customer = _locked_customer(contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not can_change_customer(actor, customer):
        raise PermissionDenied
    version_check(contact, version)
    private = sorted(CONTACT_PRIVATE & set(changes))
    if private and customer_basis(user=actor, customer=customer) is None:
        raise _private_refused(private[0])
    cleaned = _contact_clean(changes)
    changed = [
        name for name, value in cleaned.items() if getattr(contact, name) != value
    ]
    for name in changed:
        setattr(contact, name, cleaned[name])
    versioned_update(contact, version=version, fields=changed)
    _primary_only(contact)
    if CONTACT_SEARCHED & set(changed):
        customer_index.refresh([customer])
    audit_record(
        event="contact.update",
        actor=actor,
        request=request,
        obj=contact,
        data={"customer": customer.pk, "fields": sorted(changed)},
    )
    return contact


@transaction.atomic
def contact_delete(
    *,
    actor: User,
    contact: Contact,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Contact:
    """Retire a contact (soft delete); audited, and no longer found by search."""
    customer = _locked_customer(contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not can_change_customer(actor, customer):
        raise PermissionDenied
    version_check(contact, version)
    contact.deleted_at = timezone.now()
    contact.deleted_by = actor
    versioned_update(
        contact, version=contact.version, fields=["deleted_at", "deleted_by"]
    )
    customer_index.refresh([customer])
    audit_record(
        event="contact.delete",
        actor=actor,
        request=request,
        obj=contact,
        data={"customer": customer.pk},
    )
    return contact


# --- relationship events (资料卡第二页) ---------------------------------------------


@transaction.atomic
def customer_event_create(
    *,
    actor: User,
    customer: Customer,
    occurred_on: dt.date | None,
    title: str,
    kind: str = CustomerEvent.Kind.OTHER,
    description: str = "",
) -> CustomerEvent:
    """Append a dated event to the customer's timeline (append-only)."""
    if not can_add_customer_event(actor, customer):
        raise PermissionDenied
    if occurred_on is None:
        raise DomainError(_("请填写日期。"), field="occurred_on", code="required")
    if occurred_on > timezone.localdate():
        raise DomainError(
            _("日期不能晚于今天；计划中的事项请记为“经营动向”，日期写今天。"),
            field="occurred_on",
            code="future",
        )
    if occurred_on.year < 1900:
        raise DomainError(
            _("日期不能早于 1900 年。"), field="occurred_on", code="out_of_range"
        )
    return CustomerEvent.objects.create(
        customer=customer,
        occurred_on=occurred_on,
        kind=_choice(
            kind, field="kind", label=_("类别"), choices=CustomerEvent.Kind, blank=False
        ),
        title=_text(
            title, field="title", label=_("事项"), max_length=120, required=True
        ),
        description=_text(
            description, field="description", label=_("详细说明"), max_length=5000
        ),
        created_by=actor,
    )


# --- access grants -----------------------------------------------------------------


def _grant_decider_ids() -> list[int]:
    app, codename = DECIDE_GRANT.split(".")
    return list(
        User.objects.filter(
            is_active=True,
            groups__permissions__content_type__app_label=app,
            groups__permissions__codename=codename,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


@transaction.atomic
def grant_request(
    *,
    actor: User,
    customer: Customer,
    reason: str,
    request: HttpRequest | None = None,
) -> AccessGrant:
    """Ask to read one customer's confidential layer; the service managers are
    told (in-app) after commit."""
    if not can_view_customers(actor):
        raise PermissionDenied
    if not can_request_grant(actor, customer):
        if confidential_basis(actor, customer) is not None:
            raise DomainError(
                _("您已经可以查看该客户的保密信息，无需申请。"),
                field=None,
                code="not_needed",
            )
        raise PermissionDenied
    reason = _reason(reason, label=_("申请理由"))
    live = grant_live_for(user=actor, customer=customer)
    if live is not None:
        raise DomainError(
            _("您已持有有效的查阅授权，有效期至 %(until)s。")
            % {"until": timezone.localtime(live.expires_at).strftime("%Y-%m-%d %H:%M")},
            field=None,
            code="already_granted",
        )
    if AccessGrant.objects.filter(
        customer=customer, requested_by=actor, status=AccessGrant.Status.PENDING
    ).exists():
        raise DomainError(
            _("您的申请正在等待审批，请勿重复提交。"),
            field=None,
            code="already_pending",
        )
    try:
        with transaction.atomic():
            grant = AccessGrant.objects.create(
                customer=customer, requested_by=actor, reason=reason
            )
    except IntegrityError:
        raise DomainError(
            _("您的申请正在等待审批，请勿重复提交。"),
            field=None,
            code="already_pending",
        ) from None
    audit_record(
        event="grant.request",
        actor=actor,
        request=request,
        obj=customer,
        data={"grant": grant.pk, "reason": reason},
    )
    url = reverse("customers:grant_queue")
    deciders = _grant_decider_ids()
    title = _("%(name)s申请查阅客户“%(customer)s”的保密信息") % {
        "name": actor.name,
        "customer": customer.name,
    }

    def tell() -> None:
        for user_id in deciders:
            notify_user(
                user=User(pk=user_id),
                title=title,
                body=reason,
                url=url,
                key=f"grant.request.{grant.pk}.{user_id}",
            )

    transaction.on_commit(tell)
    return grant


def _locked_grant(grant: AccessGrant) -> AccessGrant:
    return (
        AccessGrant.objects.select_for_update(of=("self",))
        .select_related("customer", "requested_by")
        .get(pk=grant.pk)
    )


def _tell_requester(grant: AccessGrant, title: str, body: str = "") -> None:
    url = reverse("customers:customer_detail", args=[grant.customer_id])
    user_id, key = grant.requested_by_id, f"grant.{grant.status}.{grant.pk}"
    transaction.on_commit(
        lambda: notify_user(
            user=User(pk=user_id), title=title, body=body, url=url, key=key
        )
    )


def _wrong_state(grant: AccessGrant) -> DomainError:
    return DomainError(
        _("该申请当前状态为“%(status)s”，不能执行此操作。")
        % {"status": grant.status_label},
        field="action",
        code="invalid_transition",
    )


@transaction.atomic
def grant_approve(
    *,
    actor: User,
    grant: AccessGrant,
    hours: int | None,
    note: str = "",
    request: HttpRequest | None = None,
) -> AccessGrant:
    """A service manager lets the requester read the archive for ``hours``."""
    grant = _locked_grant(grant)
    if not can_decide_grants(actor):
        raise PermissionDenied
    if grant.status != AccessGrant.Status.PENDING:
        raise _wrong_state(grant)
    if hours is None or not 1 <= int(hours) <= GRANT_HOURS_MAX:
        raise DomainError(
            _("授权时长应在 1 到 %(max)s 小时之间。") % {"max": GRANT_HOURS_MAX},
            field="hours",
            code="out_of_range",
        )
    now = timezone.now()
    grant.status = AccessGrant.Status.APPROVED
    grant.decided_by = actor
    grant.decided_at = now
    grant.decision_note = _text(
        note, field="note", label=_("审批意见"), max_length=1000
    )
    grant.expires_at = now + dt.timedelta(hours=int(hours))
    grant.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "expires_at",
        ]
    )
    audit_record(
        event="grant.approve",
        actor=actor,
        request=request,
        obj=grant.customer,
        data={
            "grant": grant.pk,
            "grantee": grant.requested_by.username,
            "hours": int(hours),
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    _tell_requester(
        grant,
        _("您查阅客户“%(customer)s”保密信息的申请已批准，有效期至 %(until)s")
        % {
            "customer": grant.customer.name,
            "until": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M"),
        },
        grant.decision_note,
    )
    return grant


@transaction.atomic
def grant_refuse(
    *,
    actor: User,
    grant: AccessGrant,
    note: str,
    request: HttpRequest | None = None,
) -> AccessGrant:
    """A service manager refuses a request, saying why."""
    grant = _locked_grant(grant)
    if not can_decide_grants(actor):
        raise PermissionDenied
    if grant.status != AccessGrant.Status.PENDING:
        raise _wrong_state(grant)
    grant.decision_note = _reason(note, field="note", label=_("拒绝理由"))
    grant.status = AccessGrant.Status.REFUSED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        event="grant.refuse",
        actor=actor,
        request=request,
        obj=grant.customer,
        data={"grant": grant.pk, "grantee": grant.requested_by.username},
    )
    _tell_requester(
        grant,
        _("您查阅客户“%(customer)s”保密信息的申请未获批准")
        % {"customer": grant.customer.name},
        grant.decision_note,
    )
    return grant


@transaction.atomic
def grant_revoke(
    *,
    actor: User,
    grant: AccessGrant,
    note: str,
    request: HttpRequest | None = None,
) -> AccessGrant:
    """A service manager ends a live grant before it expires."""
    grant = _locked_grant(grant)
    if not can_decide_grants(actor):
        raise PermissionDenied
    if not grant.is_live():
        raise _wrong_state(grant)
    grant.decision_note = _reason(note, field="note", label=_("收回理由"))
    grant.status = AccessGrant.Status.REVOKED
    grant.expires_at = timezone.now()
    grant.save(update_fields=["status", "decision_note", "expires_at"])
    audit_record(
        event="grant.revoke",
        actor=actor,
        request=request,
        obj=grant.customer,
        data={"grant": grant.pk, "grantee": grant.requested_by.username},
    )
    _tell_requester(
        grant,
        _("您查阅客户“%(customer)s”保密信息的授权已被收回")
        % {"customer": grant.customer.name},
        grant.decision_note,
    )
    return grant
