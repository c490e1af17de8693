"""API: the audit log, read only, for the auditor (e.g. to feed a SIEM)."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from audit.permissions import can_view_audit_log
from audit.schemas import AuditEventOut, AuditQuery
from audit.selectors import AUDIT_ORDERING, AuditFilters, audit_event_search
from core.audit import audit_event_label
from core.errors import DomainError
from core.models import AuditEvent
from core.pagination import keyset_paginate
from core.schema import CursorPage, ErrorOut

router = Router(tags=["audit"])


def _filters(query: AuditQuery) -> AuditFilters:
    if query.start and query.end and query.start > query.end:
        raise DomainError(_("结束日期不能早于开始日期。"), field="end")
    if query.result and query.result not in AuditEvent.Result.values:
        raise DomainError(
            _("取值无效，可选值：%(expected)s。")
            % {"expected": ", ".join(AuditEvent.Result.values)},
            field="result",
        )
    if query.ip:
        try:
            ipaddress.ip_address(query.ip)
        except ValueError:
            raise DomainError(
                _("请输入有效的 IPv4 或 IPv6 地址。"), field="ip"
            ) from None
    if query.object_id and not query.object_type:
        raise DomainError(
            _("按对象编号查找时请同时填写对象类型。"), field="object_type"
        )
    return AuditFilters(**query.dict(exclude={"limit", "cursor"}, exclude_none=True))


@router.get(
    "/audit/events",
    response={200: CursorPage[AuditEventOut], 403: ErrorOut, 422: ErrorOut},
)
def list_audit_events(request: HttpRequest, query: Query[AuditQuery]):
    """Audit rows, newest first, filtered like the auditor's page."""
    if not can_view_audit_log(request.auth):
        raise PermissionDenied
    page = keyset_paginate(
        audit_event_search(_filters(query)),
        ordering=AUDIT_ORDERING,
        cursor=query.cursor,
        limit=query.limit,
    )
    for event in page.items:
        event.event_label = audit_event_label(event.event)
    return {"items": page.items, "next_cursor": page.next_cursor}
