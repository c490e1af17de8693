"""Writes of the customer archive: one function per state change. Each checks the
rules again (pages and the API call the same functions), writes its audit row in
the same transaction and keeps the search index in step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record, audit_record_many
from core.errors import DomainError
from core.versioning import version_check, version_require, versioned_update
from customers.credit import credit_archive_record
from customers.masking import Masked, masked
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.permissions import (
    DECIDE_GRANT,
    can_add_contact,
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
from customers.tiers import tier_initial_record
from customers.validation import (
    CONTACT_PRIVATE,
    CONTACT_SEARCHED,
    CREDIT_FIELDS,
    CUSTOMER_SEARCHED,
    GRANT_HOURS_MAX,
    choice_clean,
    contact_clean,
    customer_clean,
    reason_clean,
    text_clean,
)
from notify.services import notify_user


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


PROBLEM_FIELDS = [
    "is_problem",
    "problem_reason",
    "problem_flagged_at",
    "problem_flagged_by",
]


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
    cleaned = customer_clean(values, instance=None)
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
    tier_initial_record(actor=actor, customer=customer)
    if customer.credit_rating or customer.credit_limit is not None:
        credit_archive_record(actor=actor, customer=customer, previous_rating="")
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
    cleaned = customer_clean(changes, instance=customer)
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
    if "tier" in changed:
        raise DomainError(
            _("客户分级请在“分级”中确认或调整，并写明原因。"),
            field="tier",
            code="use_tier_confirmation",
        )
    previous_rating = customer.credit_rating
    for name in changed:
        setattr(customer, name, cleaned[name])
    fields = list(changed)
    if "name" in changed:
        customer.name_sort = name_sort_key(customer.name)
        fields.append("name_sort")
    _save_unique(lambda: versioned_update(customer, version=version, fields=fields))
    if CUSTOMER_SEARCHED & set(changed):
        customer_index.refresh([customer])
    if CREDIT_FIELDS & set(changed):
        credit_archive_record(
            actor=actor, customer=customer, previous_rating=previous_rating
        )
    audit_record(
        event="customer.update",
        actor=actor,
        request=request,
        obj=customer,
        data={"fields": sorted(changed), "version": customer.version},
    )
    return customer


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
    reason = reason_clean(reason)
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
    customer.problem_reason = reason_clean(reason)
    customer.is_problem = True
    customer.problem_flagged_at = timezone.now()
    customer.problem_flagged_by = actor
    versioned_update(
        customer,
        version=customer.version,
        fields=PROBLEM_FIELDS,
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
    reason = reason_clean(reason)
    previous = customer.problem_reason
    customer.is_problem = False
    customer.problem_reason = ""
    customer.problem_flagged_at = None
    customer.problem_flagged_by = None
    versioned_update(
        customer,
        version=customer.version,
        fields=PROBLEM_FIELDS,
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


def customer_readers_only(*, viewer: User, request: HttpRequest | None) -> None:
    """Refuse anyone who may not read customers at all (the 403 is audited where it
    is answered: the page handler and the API's error handler)."""
    if not can_view_customers(viewer):
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
    if not can_add_contact(actor, customer):
        raise PermissionDenied
    private = _private_given(values)
    if private and customer_basis(user=actor, customer=customer) is None:
        raise _private_refused(private[0])
    values.setdefault("name", "")
    cleaned = contact_clean(values)
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
    cleaned = contact_clean(changes)
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
        kind=choice_clean(
            kind, field="kind", label=_("类别"), choices=CustomerEvent.Kind, blank=False
        ),
        title=text_clean(
            title, field="title", label=_("事项"), max_length=120, required=True
        ),
        description=text_clean(
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
    reason = reason_clean(reason, label=_("申请理由"))
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
    grant.decision_note = text_clean(
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
    grant.decision_note = reason_clean(note, field="note", label=_("拒绝理由"))
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
    grant.decision_note = reason_clean(note, field="note", label=_("收回理由"))
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
