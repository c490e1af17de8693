"""Infrastructure pages: health, and the refusals (403, CSRF), which are audited."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.audit import audit_access_denied, audit_record
from core.models import AuditEvent
from core.selectors import health_report


@login_not_required
@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def permission_denied_view(request: HttpRequest, exception=None) -> HttpResponse:
    """handler403: every page that refuses a user is recorded in the audit log."""
    audit_access_denied(request, status=403)
    return defaults.permission_denied(request, exception)


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form from elsewhere, or one whose page is too old: refused and recorded."""
    audit_record(
        event="access.csrf",
        request=request,
        result=AuditEvent.Result.DENIED,
        data={"method": request.method, "path": request.path[:300]},
    )
    return render(
        request,
        "403.html",
        {"message": _("页面已过期或请求来源无效，请返回刷新后重试。")},
        status=403,
    )
