"""The customer list as xlsx: its own permission, masked like every other view,
audited, and every text cell written as text (no formula injection)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.audit import audit_record
from customers.masking import masked
from customers.models import Contact, Customer
from customers.permissions import can_export_customers, confidential_basis
from customers.selectors import granted_customer_ids


def _row(sheet, values: list[Any]) -> list[Any]:
    cells = []
    for value in values:
        if value is None:
            value = ""
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # "=…" stays text, never a formula
        cells.append(cell)
    return cells


def _shown(record, field: str, value: Any) -> Any:
    return _("（保密）") if field in record.masked_fields else value


def customers_export_xlsx(
    *,
    actor: Any,
    queryset: QuerySet[Customer],
    filters: dict[str, str],
    request: HttpRequest | None = None,
) -> bytes:
    """Write the customers of ``queryset`` and their contacts to a workbook."""
    if not can_export_customers(actor):
        raise PermissionDenied
    granted = granted_customer_ids(user=actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("客户"))
    sheet.append(
        _row(
            sheet,
            [
                _("编号"),
                _("名称"),
                _("类型"),
                _("统一社会信用代码"),
                _("所有制"),
                _("行业"),
                _("省份"),
                _("城市"),
                _("规模"),
                _("信息来源"),
                _("电话"),
                _("邮箱"),
                _("地址"),
                _("客户分级"),
                _("客户经理"),
                _("信用评级"),
                _("信用额度（元）"),
                _("问题客户"),
                _("登记时间"),
                _("最近修改"),
                _("最近核实"),
            ],
        )
    )
    rows = revealed = 0
    bases: dict[int, str | None] = {}

    def local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for customer in queryset.select_related("owner").iterator(chunk_size=2000):
        view = masked(customer, basis=confidential_basis(actor, customer, granted))
        bases[customer.pk] = view.basis
        revealed += view.revealed
        rows += 1
        sheet.append(
            _row(
                sheet,
                [
                    customer.pk,
                    customer.name,
                    customer.get_kind_display(),
                    customer.credit_code,
                    customer.get_ownership_display(),
                    customer.industry,
                    customer.province,
                    customer.city,
                    customer.get_size_display(),
                    customer.get_source_display(),
                    customer.phone,
                    customer.email,
                    customer.address,
                    customer.tier,
                    customer.owner.name if customer.owner_id else "",
                    _shown(view, "credit_rating", view.credit_rating),
                    _shown(view, "credit_limit", view.credit_limit),
                    _("是") if customer.is_problem else "",
                    local(customer.created_at),
                    local(customer.updated_at),
                    local(customer.verified_at),
                ],
            )
        )
    contacts_sheet = book.create_sheet(_("联系人"))
    contacts_sheet.append(
        _row(
            contacts_sheet,
            [
                _("客户编号"),
                _("客户"),
                _("姓名"),
                _("职务"),
                _("决策角色"),
                _("手机"),
                _("座机"),
                _("邮箱"),
                _("生日"),
                _("家庭情况"),
                _("兴趣爱好"),
                _("性格分析"),
                _("人际关系"),
            ],
        )
    )
    contact_rows = 0
    contacts = (
        Contact.objects.filter(customer__in=queryset.order_by().values("pk"))
        .select_related("customer")
        .order_by("customer_id", "id")
    )
    for contact in contacts.iterator(chunk_size=2000):
        view = masked(contact, basis=bases.get(contact.customer_id))
        contact_rows += 1
        contacts_sheet.append(
            _row(
                contacts_sheet,
                [
                    contact.customer_id,
                    contact.customer.name,
                    contact.name,
                    contact.title,
                    contact.get_decision_role_display(),
                    contact.mobile,
                    contact.phone,
                    contact.email,
                    _shown(view, "birthday", view.birthday_display),
                    _shown(view, "family", view.family),
                    _shown(view, "interests", view.interests),
                    _shown(view, "personality", view.personality),
                    _shown(view, "relationships", view.relationships),
                ],
            )
        )
    audit_record(
        event="customer.export",
        actor=actor,
        request=request,
        data={
            "customers": rows,
            "contacts": contact_rows,
            "revealed": revealed,
            "filters": filters,
        },
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
