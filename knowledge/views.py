"""Knowledge pages: the staff's FAQ, templates and case library; the reply
tools on a ticket; the home panel of unread required cases; the public FAQ."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Conflict, DomainError
from core.ratelimit import rate_limited
from knowledge import selectors, services
from knowledge.forms import AssignForm, CaseForm, CategoryForm, FaqForm, TemplateForm
from knowledge.models import Case, FaqArticle, ReplyTemplate
from knowledge.permissions import (
    can_manage_cases,
    can_manage_knowledge,
    can_use_knowledge,
    can_view_cases,
)
from tickets.models import Ticket
from tickets.permissions import can_reply
from tickets.selectors import number_clean, ticket_visible


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _errors(form, exc: DomainError) -> None:
    for error in exc.errors:
        form.add_error(
            error.field if error.field in form.fields else None, error.message
        )


def _stale(form) -> None:
    form.add_error(None, _("内容已被别人修改，请刷新页面后再改。"))


# --- FAQ (staff) ------------------------------------------------------------------


def faq_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_use_knowledge(request.user))
    q = request.GET.get("q", "")[:100]
    try:
        page = selectors.faq_page(
            q=q, public=False, cursor=request.GET.get("cursor"), limit=25
        )
    except DomainError:
        raise Http404 from None
    return render(
        request,
        "knowledge/faq_list.html",
        {
            "page": page,
            "q": q,
            "categories": selectors.faq_categories(),
            "can_manage": can_manage_knowledge(request.user),
            "category_form": CategoryForm(),
            "tab": "faq",
        },
    )


@require_POST
def faq_category_create_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_knowledge(request.user))
    form = CategoryForm(request.POST)
    form.is_valid()
    try:
        services.faq_category_create(actor=request.user, name=form.cleaned_data["name"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已添加分类。"))
    return redirect("knowledge:faq_list")


@require_http_methods(["GET", "POST"])
def faq_form_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(can_manage_knowledge(request.user))
    article = get_object_or_404(FaqArticle, pk=pk) if pk else None
    if request.method == "GET":
        initial = {"is_published": True}
        if article:
            initial = {
                "category": article.category_id,
                "title": article.title,
                "body": article.body,
                "is_published": article.is_published,
                "version": article.version,
            }
        form = FaqForm(initial=initial)
    else:
        form = FaqForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.faq_article_save(
                    actor=request.user,
                    article=article,
                    category=data["category"],
                    title=data["title"],
                    body=data["body"],
                    is_published=data["is_published"],
                    version=data["version"],
                    request=request,
                )
            except Conflict:
                _stale(form)
            except DomainError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("常见问题已保存。"))
                return redirect("knowledge:faq_list")
    return render(
        request,
        "knowledge/faq_form.html",
        {"form": form, "article": article, "tab": "faq"},
        status=422 if form.errors else 200,
    )


@require_POST
def faq_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_knowledge(request.user))
    article = get_object_or_404(FaqArticle, pk=pk)
    services.faq_article_delete(actor=request.user, article=article, request=request)
    messages.success(request, _("常见问题已删除。"))
    return redirect("knowledge:faq_list")


# --- reply templates --------------------------------------------------------------


def template_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_knowledge(request.user))
    return render(
        request,
        "knowledge/template_list.html",
        {
            "templates": selectors.reply_templates_all(),
            "placeholders": services.PLACEHOLDERS,
            "tab": "templates",
        },
    )


@require_http_methods(["GET", "POST"])
def template_form_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(can_manage_knowledge(request.user))
    template = get_object_or_404(ReplyTemplate, pk=pk) if pk else None
    warning = False
    if request.method == "GET":
        initial = {}
        if template:
            initial = {
                "name": template.name,
                "category": template.category_id,
                "body": template.body,
                "version": template.version,
            }
        form = TemplateForm(initial=initial)
    else:
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.reply_template_save(
                    actor=request.user,
                    template=template,
                    name=data["name"],
                    body=data["body"],
                    category=data["category"],
                    confirm_promise_wording=data["confirm_promise_wording"],
                    version=data["version"],
                    request=request,
                )
            except Conflict:
                _stale(form)
            except DomainError as exc:
                warning = exc.code == "promise_wording"
                _errors(form, exc)
            else:
                messages.success(request, _("答复模板已保存。"))
                return redirect("knowledge:template_list")
    return render(
        request,
        "knowledge/template_form.html",
        {
            "form": form,
            "template": template,
            "warning": warning,
            "placeholders": services.PLACEHOLDERS,
            "tab": "templates",
        },
        status=422 if form.errors else 200,
    )


# --- the reply tools on a ticket ----------------------------------------------------


def _reply_ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = (
        ticket_visible(user=request.user).filter(number=number_clean(number)).first()
    )
    if ticket is None:
        raise Http404
    _require(can_reply(request.user, ticket))
    return ticket


def reply_tools_view(request: HttpRequest, number: str) -> HttpResponse:
    """Templates (filled in for this ticket) and the FAQ picker of the reply box."""
    ticket = _reply_ticket(request, number)
    templates = [
        (t, services.template_render(t, ticket=ticket, actor=request.user))
        for t in selectors.reply_templates_for(ticket)
    ]
    return render(
        request,
        "knowledge/_reply_tools.html",
        {"ticket": ticket, "templates": templates},
    )


def reply_faq_view(request: HttpRequest, number: str) -> HttpResponse:
    """FAQ articles to link in a reply: the public link of each."""
    _reply_ticket(request, number)
    q = request.GET.get("q", "")[:100]
    articles = []
    if q.strip():
        try:
            articles = selectors.faq_page(q=q, public=True, limit=8).items
        except DomainError:
            articles = []
    for a in articles:
        a.public_url = request.build_absolute_uri(a.get_absolute_url())
    return render(request, "knowledge/_faq_picks.html", {"articles": articles, "q": q})


# --- cases ------------------------------------------------------------------------


def case_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_view_cases(request.user))
    try:
        page = selectors.case_page(cursor=request.GET.get("cursor"))
    except DomainError:
        raise Http404 from None
    return render(
        request,
        "knowledge/case_list.html",
        {
            "page": page,
            "unread": selectors.unread_required(user=request.user, limit=None),
            "can_manage": can_manage_cases(request.user),
            "tab": "cases",
        },
    )


@require_http_methods(["GET", "POST"])
def case_create_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_cases(request.user))
    number = number_clean(request.GET.get("ticket") or request.POST.get("ticket") or "")
    ticket = ticket_visible(user=request.user).filter(number=number).first()
    if ticket is None:
        raise Http404
    if request.method == "GET":
        form = CaseForm(
            initial={"title": ticket.subject, "summary": ticket.description}
        )
    else:
        form = CaseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_create(
                    actor=request.user,
                    ticket=ticket,
                    classification=data["classification"],
                    for_new_staff=data["for_new_staff"],
                    title=data["title"],
                    summary=data["summary"],
                    cause=data["cause"],
                    handling=data["handling"],
                    lessons=data["lessons"],
                    request=request,
                )
            except DomainError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("案例已保存，个人信息已隐去。"))
                return redirect(case)
    return render(
        request,
        "knowledge/case_form.html",
        {"form": form, "ticket": ticket, "tab": "cases"},
        status=422 if form.errors else 200,
    )


def case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_view_cases(request.user))
    case = get_object_or_404(Case.objects.select_related("written_by"), pk=pk)
    manage = can_manage_cases(request.user)
    return render(
        request,
        "knowledge/case_detail.html",
        {
            "case": case,
            "reading": selectors.reading_of(user=request.user, case=case),
            "can_manage": manage,
            "readers": selectors.case_readers(case=case) if manage else [],
            "assign_form": AssignForm(initial={"for_new_staff": case.for_new_staff}),
            "tab": "cases",
        },
    )


@require_POST
def case_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_view_cases(request.user))
    case = get_object_or_404(Case, pk=pk)
    services.case_read(user=request.user, case=case)
    messages.success(request, _("已记录您读过这个案例。"))
    return redirect(case)


@require_POST
def case_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_manage_cases(request.user))
    case = get_object_or_404(Case, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要指定阅读的员工。"))
        return redirect(case)
    try:
        made = services.case_assign(
            actor=request.user,
            case=case,
            users=form.cleaned_data["users"],
            for_new_staff=form.cleaned_data["for_new_staff"],
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已指定 %(n)d 人必读。") % {"n": made})
    return redirect(case)


def unread_panel_view(request: HttpRequest) -> HttpResponse:
    """The home page's card of the cases the user must still read."""
    if not can_view_cases(request.user):
        return HttpResponse("")
    return render(
        request,
        "knowledge/_unread_panel.html",
        {"readings": selectors.unread_required(user=request.user)},
    )


# --- the public FAQ (portal) ------------------------------------------------------


def _portal_rate() -> str:
    from django.conf import settings

    return settings.KEFU_PORTAL_RATE


@login_not_required
@rate_limited(group="portal", rate=_portal_rate)
def public_faq_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    category = request.GET.get("category") or ""
    try:
        page = selectors.faq_page(
            q=q,
            category=int(category) if category.isdigit() else None,
            public=True,
            cursor=request.GET.get("cursor"),
        )
    except DomainError:
        raise Http404 from None
    return render(
        request,
        "knowledge/public_faq.html",
        {
            "page": page,
            "q": q,
            "category": category,
            "categories": selectors.faq_categories(),
        },
    )


@login_not_required
@rate_limited(group="portal", rate=_portal_rate)
def public_article_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.faq_public().filter(pk=pk).first()
    if article is None:
        return render(request, "portal/404.html", status=404)
    return render(request, "knowledge/public_article.html", {"article": article})
