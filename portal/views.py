"""The customer portal: no login, phone-sized first. Every page is rate
limited; a private link is exchanged for a cookie bound to its ticket and
redirected at once, so that the token leaves the address bar. An answer to an
address that carries a token says ``Referrer-Policy: no-referrer`` (the token
never reaches a Referer); the other pages keep the site's ``same-origin``, with
which browsers still send the Origin that the CSRF check needs on their forms.
A wrong, expired or missing link is one and the same 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from attachments.http import download_response
from attachments.services import AttachmentDamaged, attachment_read
from core.audit import audit_record
from core.errors import DomainError
from core.ratelimit import rate_limited
from portal import selectors, services
from portal.forms import AppealForm, ConfirmForm, ReplyForm, SubmitForm
from sla.reports import commitments_published
from tickets.models import Ticket

KINDS = [
    (Ticket.Type.INQUIRY, _("咨询"), "message-question"),
    (Ticket.Type.REQUEST, _("服务请求"), "tool"),
    (Ticket.Type.COMPLAINT, _("投诉"), "alert-circle"),
    (Ticket.Type.SUGGESTION, _("建议"), "bulb"),
    (Ticket.Type.PRAISE, _("表扬"), "thumb-up"),
]


def _portal_rate() -> str:
    return settings.KEFU_PORTAL_RATE


def _submit_rate() -> str:
    return settings.KEFU_PORTAL_SUBMIT_RATE


def portal_view(view: Callable) -> Callable:
    """Anonymous, rate limited, never cached; no Referer from a tokened address."""

    @login_not_required
    @wraps(view)
    @rate_limited(group="portal", rate=_portal_rate)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if "k" in request.GET:
            response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def file_limits(request: HttpRequest) -> dict:
    return {
        "count": settings.KEFU_ATTACHMENT_MAX_FILES,
        "bytes": settings.KEFU_ATTACHMENT_MAX_BYTES,
    }


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/404.html", status=404)


def _form_errors(form, exc: DomainError) -> None:
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)


@portal_view
def home_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {"commitments": commitments_published(), "kinds": KINDS},
    )


@portal_view
@require_http_methods(["GET", "POST"])
def submit_view(request: HttpRequest) -> HttpResponse:
    initial = {"type": request.GET.get("type") or Ticket.Type.INQUIRY}
    if request.method == "GET":
        return render(
            request,
            "portal/submit.html",
            {"form": SubmitForm(initial=initial), "file_limits": file_limits(request)},
        )
    return _submit(request)


@rate_limited(group="portal.submit", rate=_submit_rate, method="POST")
def _submit(request: HttpRequest) -> HttpResponse:
    form = SubmitForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.portal_submit(
                type=data["type"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                subject=data["subject"],
                description=data["description"],
                order_ref=data["order_ref"],
                files=data["files"],
                request=request,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            link = request.build_absolute_uri(created.customer_link)
            return render(
                request,
                "portal/submitted.html",
                {"ticket": created.ticket, "link": link},
            )
    return render(
        request,
        "portal/submit.html",
        {"form": form, "file_limits": file_limits(request)},
        status=422,
    )


def _ticket_for(request: HttpRequest, number: str) -> Ticket | None:
    """The ticket whose cookie this browser holds, while its link is valid."""
    ticket = selectors.portal_ticket(number)
    if ticket is None:
        return None
    held = services.cookie_token_hash(
        request.COOKIES.get(services.cookie_name(ticket.number)), ticket
    )
    if not held or held != ticket.customer_token_hash:
        return None
    if selectors.link_expired(ticket):
        return None
    return ticket


def _page(request, ticket, *, status=200, **forms) -> HttpResponse:
    attachments = list(selectors.customer_attachments(ticket))
    by_event: dict[int, list] = {}
    for a in attachments:
        a.url = reverse("portal:file", args=[ticket.number, a.pk])
        by_event.setdefault(a.event_id, []).append(a)
    events = selectors.customer_timeline(ticket)
    for e in events:
        e.files = by_event.get(e.pk, [])
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "events": events,
            "reply_form": forms.get("reply_form") or ReplyForm(),
            "confirm_form": forms.get("confirm_form") or ConfirmForm(),
            "appeal_form": forms.get("appeal_form") or AppealForm(),
            "can_reply": ticket.status
            not in (Ticket.Status.CLOSED, Ticket.Status.ARCHIVED),
            "can_confirm": ticket.status == Ticket.Status.RESOLVED,
            "can_appeal": ticket.type == Ticket.Type.COMPLAINT
            and ticket.status == Ticket.Status.CLOSED,
            "open_form": forms.get("open_form", ""),
            "file_limits": file_limits(request),
        },
        status=status,
    )


@portal_view
def ticket_view(request: HttpRequest, number: str) -> HttpResponse:
    """With ``?k=``: check the token, set the cookie, redirect to the plain
    address. Without: the page, for the browser holding the cookie."""
    token = request.GET.get("k")
    if token is not None:
        ticket = selectors.portal_ticket(number)
        if (
            ticket is None
            or not services.token_matches(ticket, token)
            or selectors.link_expired(ticket)
        ):
            audit_record(
                event="portal.link_refused",
                request=request,
                result="denied",
                data={"number": number[:32]},
            )
            return not_found(request)
        response = HttpResponseRedirect(reverse("portal:ticket", args=[ticket.number]))
        response.set_cookie(
            services.cookie_name(ticket.number),
            services.cookie_value(ticket),
            max_age=settings.KEFU_PORTAL_LINK_DAYS * 86400 + 366 * 86400,
            path=reverse("portal:ticket", args=[ticket.number]).rstrip("/"),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    ticket = _ticket_for(request, number)
    if ticket is None:
        return not_found(request)
    return _page(request, ticket)


@portal_view
@require_POST
def reply_view(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_for(request, number)
    if ticket is None:
        return not_found(request)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.portal_reply(
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                request=request,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.number]))
    return _page(request, ticket, status=422, reply_form=form, open_form="reply")


@portal_view
@require_POST
def confirm_view(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_for(request, number)
    if ticket is None:
        return not_found(request)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.portal_confirm(
                ticket=ticket,
                satisfied=form.cleaned_data["satisfied"] == "yes",
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.number]))
    return _page(request, ticket, status=422, confirm_form=form, open_form="confirm")


@portal_view
@require_POST
def appeal_view(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_for(request, number)
    if ticket is None:
        return not_found(request)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.portal_appeal(
                ticket=ticket, reason=form.cleaned_data["reason"], request=request
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.number]))
    return _page(request, ticket, status=422, appeal_form=form, open_form="appeal")


@portal_view
def file_view(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = _ticket_for(request, number)
    if ticket is None:
        return not_found(request)
    attachment = selectors.customer_attachments(ticket).filter(pk=pk).first()
    if attachment is None:
        return not_found(request)
    try:
        data = attachment_read(attachment, request=request)
    except AttachmentDamaged:
        return render(request, "portal/damaged.html", status=410)
    return download_response(attachment, data)
