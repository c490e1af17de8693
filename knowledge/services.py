"""Writes of knowledge: FAQ articles, reply templates, cases and their reading."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from complaints.services import promise_words_find
from core.audit import audit_record
from core.errors import DomainError, FieldError
from core.versioning import version_check
from customers.validation import text_clean
from knowledge.models import Case, CaseReading, FaqArticle, FaqCategory, ReplyTemplate
from knowledge.permissions import (
    can_manage_cases,
    can_manage_knowledge,
    can_view_cases,
)
from knowledge.scrub import personal_data_removed
from knowledge.search import faq_index
from notify.services import notify_user
from tickets.models import Ticket

# Placeholders of reply templates and what they stand for.
PLACEHOLDERS = ("客户", "联系人", "工单号", "主题", "截止时间", "客服")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,16})\}")


def _texts(values: dict[str, Any], spec: dict[str, tuple]) -> dict[str, str]:
    """Clean every text, naming every bad field at once."""
    errors: list[FieldError] = []
    cleaned: dict[str, str] = {}
    for field, (label, length, required) in spec.items():
        try:
            cleaned[field] = text_clean(
                values.get(field),
                field=field,
                label=label,
                max_length=length,
                required=required,
            )
        except DomainError as exc:
            errors += exc.errors
    if errors:
        raise DomainError(errors[0].message, field=errors[0].field, errors=errors)
    return cleaned


# --- FAQ --------------------------------------------------------------------------


@transaction.atomic
def faq_category_create(*, actor: User, name: str) -> FaqCategory:
    if not can_manage_knowledge(actor):
        raise PermissionDenied
    name = _texts({"name": name}, {"name": (_("分类名称"), 64, True)})["name"]
    if FaqCategory.objects.filter(name=name).exists():
        raise DomainError(_("已有同名的分类。"), field="name", code="duplicate")
    return FaqCategory.objects.create(name=name)


@transaction.atomic
def faq_article_save(
    *,
    actor: User,
    article: FaqArticle | None = None,
    category: FaqCategory | None,
    title: str,
    body: str,
    is_published: bool = True,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> FaqArticle:
    """Create or edit an article (a stale ``version`` is refused: 409)."""
    if not can_manage_knowledge(actor):
        raise PermissionDenied
    cleaned = _texts(
        {"title": title, "body": body},
        {"title": (_("问题"), 200, True), "body": (_("解答"), 20000, True)},
    )
    if category is None:
        raise DomainError(_("请选择分类。"), field="category", code="required")
    if article is None:
        article = FaqArticle(**cleaned, category=category)
    else:
        article = FaqArticle.objects.select_for_update().get(pk=article.pk)
        if version is None:
            raise DomainError(_("缺少版本号。"), field="version", code="required")
        version_check(article, version)
        article.title, article.body = cleaned["title"], cleaned["body"]
        article.category = category
        article.version += 1
    article.is_published = is_published
    article.updated_by = actor
    article.save()
    faq_index.refresh([article])
    audit_record(event="knowledge.faq_save", actor=actor, request=request, obj=article)
    return article


@transaction.atomic
def faq_article_delete(
    *, actor: User, article: FaqArticle, request: HttpRequest | None = None
) -> None:
    if not can_manage_knowledge(actor):
        raise PermissionDenied
    article.deleted_at = timezone.now()
    article.save(update_fields=["deleted_at"])
    faq_index.remove([article.pk])
    audit_record(
        event="knowledge.faq_save",
        actor=actor,
        request=request,
        obj=article,
        data={"deleted": True},
    )


# --- reply templates --------------------------------------------------------------


def placeholders_check(body: str) -> None:
    unknown = sorted(set(_PLACEHOLDER.findall(body)) - set(PLACEHOLDERS))
    if unknown:
        raise DomainError(
            _("不认识的占位符：%(unknown)s。可用的有：%(known)s。")
            % {
                "unknown": "、".join(f"{{{u}}}" for u in unknown),
                "known": "、".join(f"{{{p}}}" for p in PLACEHOLDERS),
            },
            field="body",
            code="unknown_placeholder",
        )


@transaction.atomic
def reply_template_save(
    *,
    actor: User,
    template: ReplyTemplate | None = None,
    name: str,
    body: str,
    category: Any = None,
    confirm_promise_wording: bool = False,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> ReplyTemplate:
    """Save a template. Wording that promises substance is refused (field
    ``body``, code ``promise_wording``) unless the author confirms it."""
    if not can_manage_knowledge(actor):
        raise PermissionDenied
    cleaned = _texts(
        {"name": name, "body": body},
        {"name": (_("名称"), 64, True), "body": (_("内容"), 5000, True)},
    )
    placeholders_check(cleaned["body"])
    found = [w.word for w in promise_words_find(cleaned["body"])]
    if found and not confirm_promise_wording:
        raise DomainError(
            _(
                "模板含有承诺实质结果的措辞：%(words)s。答复应承诺处理的步骤和时间，"
                "而不是结果；确认无误后可以勾选确认再保存。"
            )
            % {"words": "、".join(found)},
            field="body",
            code="promise_wording",
        )
    if template is None:
        template = ReplyTemplate(**cleaned)
    else:
        template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
        if version is None:
            raise DomainError(_("缺少版本号。"), field="version", code="required")
        version_check(template, version)
        template.name, template.body = cleaned["name"], cleaned["body"]
        template.version += 1
    template.category = category
    template.wording_confirmed = bool(found)
    template.updated_by = actor
    template.save()
    audit_record(
        event="knowledge.template_save",
        actor=actor,
        request=request,
        obj=template,
        data={"promise_wording": found},
    )
    return template


def template_render(template: ReplyTemplate, *, ticket: Ticket, actor: User) -> str:
    """The template's text with the ticket's values in its placeholders."""
    due = ticket.resolution_due_at
    values = {
        "客户": ticket.customer.name,
        "联系人": ticket.contact.name if ticket.contact_id else ticket.customer.name,
        "工单号": ticket.number,
        "主题": ticket.subject,
        "截止时间": (
            timezone.localtime(due).strftime("%Y年%m月%d日 %H:%M") if due else "—"
        ),
        "客服": actor.name,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template.body)


# --- cases ------------------------------------------------------------------------

CASE_TEXTS = {
    "title": (_("标题"), 200, True),
    "summary": (_("经过"), 10000, True),
    "cause": (_("原因"), 10000, True),
    "handling": (_("处理"), 10000, True),
    "lessons": (_("经验教训"), 10000, True),
}


@transaction.atomic
def case_create(
    *,
    actor: User,
    ticket: Ticket,
    classification: str,
    for_new_staff: bool = False,
    request: HttpRequest | None = None,
    **texts: Any,
) -> Case:
    """Write a closed complaint up as a case; the personal data of its customer
    and contacts is removed from every text before it is saved."""
    if not can_manage_cases(actor):
        raise PermissionDenied
    if ticket.type != Ticket.Type.COMPLAINT or ticket.status not in (
        Ticket.Status.CLOSED,
        Ticket.Status.ARCHIVED,
    ):
        raise DomainError(
            _("只有已关闭的投诉可以编写成案例。"), field="ticket", code="not_closed"
        )
    errors: list[FieldError] = []
    try:
        cleaned = _texts(texts, CASE_TEXTS)
    except DomainError as exc:
        errors += exc.errors
        cleaned = {}
    if classification not in Case.Classification.values:
        errors.append(FieldError("classification", _("请选择分类。"), "required"))
    if errors:
        raise DomainError(errors[0].message, field=errors[0].field, errors=errors)
    customer = ticket.customer
    contacts = list(customer.contacts.all())
    scrubbed = {
        k: personal_data_removed(v, customer=customer, contacts=contacts)
        for k, v in cleaned.items()
    }
    case = Case.objects.create(
        ticket=ticket,
        classification=classification,
        for_new_staff=for_new_staff,
        written_by=actor,
        **scrubbed,
    )
    audit_record(event="knowledge.case_create", actor=actor, request=request, obj=case)
    return case


def _require(case: Case, users: Iterable[User], *, actor: User | None) -> int:
    now = timezone.now()
    made = 0
    for user in users:
        reading, created = CaseReading.objects.get_or_create(
            case=case,
            user=user,
            defaults={
                "required": True,
                "assigned_by": actor,
                "assigned_at": now,
            },
        )
        if not created and not reading.required:
            CaseReading.objects.filter(pk=reading.pk).update(
                required=True, assigned_by=actor, assigned_at=now
            )
        if created or not reading.required:
            made += 1
            pk = user.pk

            def tell(pk=pk) -> None:
                notify_user(
                    user=User(pk=pk),
                    title=_("必读案例：%(title)s") % {"title": case.title},
                    url=case.get_absolute_url(),
                    key=f"case.required.{case.pk}.{pk}",
                )

            transaction.on_commit(tell)
    return made


@transaction.atomic
def case_assign(
    *,
    actor: User,
    case: Case,
    users: Iterable[User] = (),
    for_new_staff: bool | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Make a case required reading for these people (and, with
    ``for_new_staff``, for everyone who joins from now on)."""
    if not can_manage_cases(actor):
        raise PermissionDenied
    users = [u for u in users if u.is_active and can_view_cases(u)]
    if not users and for_new_staff is None:
        raise DomainError(_("请选择要指定阅读的员工。"), field="users", code="required")
    if for_new_staff is not None and for_new_staff != case.for_new_staff:
        Case.objects.filter(pk=case.pk).update(for_new_staff=for_new_staff)
        case.for_new_staff = for_new_staff
    made = _require(case, users, actor=actor)
    audit_record(
        event="knowledge.case_assign",
        actor=actor,
        request=request,
        obj=case,
        data={"users": [u.username for u in users], "for_new_staff": for_new_staff},
    )
    return made


def required_reading_for_new_user(*, user: User) -> int:
    """A new member of staff gets every case marked for new staff."""
    cases = list(Case.objects.filter(for_new_staff=True))
    if not cases:
        return 0
    made = 0
    for case in cases:
        try:
            with transaction.atomic():
                made += _require(case, [user], actor=None)
        except IntegrityError:  # pragma: no cover - a concurrent assignment
            continue
    return made


@transaction.atomic
def case_read(*, user: User, case: Case) -> CaseReading:
    """Record that ``user`` has read the case (once; the first time counts)."""
    if not can_view_cases(user):
        raise PermissionDenied
    reading, _created = CaseReading.objects.get_or_create(case=case, user=user)
    if reading.read_at is None:
        reading.read_at = timezone.now()
        CaseReading.objects.filter(pk=reading.pk, read_at__isnull=True).update(
            read_at=reading.read_at
        )
    return reading
