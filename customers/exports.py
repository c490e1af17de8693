"""The customer list as xlsx: its own permission, masked like every other view,
audited, and every text cell written as text (no formula injection)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.audit import audit_record, audit_record_many
from core.xlsx import xlsx_row
from customers.masking import masked
from customers.models import Contact, Customer, Transaction
from customers.permissions import can_export_customers, confidential_basis
from customers.selectors import granted_customer_ids


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
        xlsx_row(
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
                _("建议分级"),
                _("客户经理"),
                _("信用评级"),
                _("信用额度（元）"),
                _("信用分"),
                _("应收余额（元）"),
                _("信用变化"),
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
            xlsx_row(
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
                    customer.tier_proposed,
                    customer.owner.name if customer.owner_id else "",
                    _shown(view, "credit_rating", view.credit_rating),
                    _shown(view, "credit_limit", view.credit_limit),
                    _shown(view, "credit_score", view.credit_score),
                    _shown(view, "credit_balance", view.credit_balance),
                    _shown(view, "credit_trend", customer.get_credit_trend_display()),
                    _("是") if customer.is_problem else "",
                    local(customer.created_at),
                    local(customer.updated_at),
                    local(customer.verified_at),
                ],
            )
        )
    contacts_sheet = book.create_sheet(_("联系人"))
    contacts_sheet.append(
        xlsx_row(
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
            xlsx_row(
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, stem: str) -> HttpResponse:
    """A workbook as a download (``stem`` is ASCII; a time stamp is added)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def transactions_export_xlsx(
    *,
    actor: Any,
    queryset: QuerySet[Transaction],
    filters: dict[str, str],
    request: HttpRequest | None = None,
) -> bytes:
    """The transactions of ``queryset`` as a workbook (export permission; audited;
    text cells written as text)."""
    if not can_export_customers(actor):
        raise PermissionDenied
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("合作记录"))
    sheet.append(
        xlsx_row(
            sheet,
            [
                _("客户编号"),
                _("客户"),
                _("日期"),
                _("金额（元）"),
                _("合作内容"),
                _("外部单号"),
                _("来源"),
                _("录入人"),
                _("录入时间"),
            ],
        )
    )
    rows = 0
    for deal in queryset.select_related("customer", "created_by").iterator(
        chunk_size=2000
    ):
        rows += 1
        sheet.append(
            xlsx_row(
                sheet,
                [
                    deal.customer_id,
                    deal.customer.name,
                    deal.occurred_on,
                    deal.amount,
                    deal.description,
                    deal.external_ref,
                    deal.get_source_display(),
                    deal.created_by.name,
                    _local(deal.created_at),
                ],
            )
        )
    audit_record(
        event="transaction.export",
        actor=actor,
        request=request,
        data={"transactions": rows, "filters": filters},
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def credit_export_xlsx(
    *,
    actor: Any,
    customers: list[Any],
    previous: dict[int, str],
    request: HttpRequest | None = None,
) -> bytes:
    """The list of worsened credit (customers the viewer may read the credit of,
    read through the masking function all the same); audited as a reveal."""
    if not can_export_customers(actor):
        raise PermissionDenied
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("信用变化"))
    sheet.append(
        xlsx_row(
            sheet,
            [
                _("客户编号"),
                _("客户"),
                _("客户经理"),
                _("原评级"),
                _("现评级"),
                _("信用分"),
                _("信用额度（元）"),
                _("应收余额（元）"),
                _("评估时间"),
            ],
        )
    )
    for view in customers:
        sheet.append(
            xlsx_row(
                sheet,
                [
                    view.pk,
                    view.name,
                    view.owner.name if view.owner_id else "",
                    _shown(view, "credit_rating", previous.get(view.pk, "")),
                    _shown(view, "credit_rating", view.credit_rating),
                    _shown(view, "credit_score", view.credit_score),
                    _shown(view, "credit_limit", view.credit_limit),
                    _shown(view, "credit_balance", view.credit_balance),
                    _shown(view, "credit_assessed_at", _local(view.credit_assessed_at)),
                ],
            )
        )
    revealed = [v.record for v in customers if v.revealed]
    audit_record(
        event="credit.export",
        actor=actor,
        request=request,
        data={"customers": len(customers), "revealed": len(revealed)},
    )
    if revealed:
        audit_record_many(
            event="customer.reveal",
            objects=revealed,
            actor=actor,
            request=request,
            data={"channel": "credit_export"},
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
