"""Handover (交接): when someone leaves or changes job, everything they hold moves
to named receivers in one recorded operation.

What people hold is asked of the providers registered in ``accounts.handover``
(the same registry refuses to deactivate anyone who still holds something). This
module registers the archive's own: the customers a person owns (客户经理), and
their pending requests for access grants (withdrawn: a request is personal).
Other apps add theirs (tickets: open tickets) in a few lines, see
``accounts.handover``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.handover import (
    HandoverProvider,
    handover_holdings,
    handover_provider_register,
    handover_providers,
)
from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import BUSINESS_ROLES
from core.audit import audit_record, audit_record_many
from core.errors import DomainError
from customers.models import AccessGrant, Customer, Handover
from customers.permissions import can_perform_handover
from customers.validation import reason_clean
from notify.services import notify_user

ANY_KIND = "*"  # the receiver of every kind not named separately


# --- the archive's providers -------------------------------------------------------


def _owned(user: Any) -> QuerySet[Customer]:
    return Customer.objects.filter(owner=user)


def _customer_examples(user: Any, limit: int) -> list[str]:
    return list(
        _owned(user).order_by("name_sort", "id").values_list("name", flat=True)[:limit]
    )


def _customer_receiver_error(user: Any) -> str | None:
    if not user.is_active or not has_role(user, *BUSINESS_ROLES):
        return _("接收客户的人必须是在职的业务人员。")
    return None


def _customers_transfer(
    *, from_user: Any, to_user: Any, actor: Any, request: HttpRequest | None = None
) -> int:
    """Every live customer of ``from_user`` gets ``to_user`` as account owner (one
    UPDATE, versions bumped, one audit row per customer in one INSERT)."""
    moving = list(_owned(from_user).only("pk", "name").order_by("pk"))
    Customer.objects.filter(pk__in=[c.pk for c in moving]).update(
        owner=to_user, version=F("version") + 1, updated_at=timezone.now()
    )
    audit_record_many(
        event="customer.owner_change",
        objects=moving,
        actor=actor,
        request=request,
        data={"from": from_user.username, "to": to_user.username, "handover": True},
    )
    return len(moving)


def _pending_requests(user: Any) -> QuerySet[AccessGrant]:
    return AccessGrant.objects.filter(
        requested_by=user, status=AccessGrant.Status.PENDING
    )


def _request_examples(user: Any, limit: int) -> list[str]:
    return list(
        _pending_requests(user)
        .order_by("requested_at", "id")
        .values_list("customer__name", flat=True)[:limit]
    )


def _requests_withdraw(
    *, from_user: Any, to_user: Any, actor: Any, request: HttpRequest | None = None
) -> int:
    """A request to read an archive is the requester's own: it is withdrawn, and
    the managers' queue no longer shows it."""
    return _pending_requests(from_user).update(
        status=AccessGrant.Status.WITHDRAWN,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=_("申请人已办理交接，申请自动撤回。"),
    )


CUSTOMERS_PROVIDER = HandoverProvider(
    kind="customers",
    label=gettext_lazy("负责的客户"),
    count=lambda user: _owned(user).count(),
    examples=_customer_examples,
    transfer=_customers_transfer,
    receiver_error=_customer_receiver_error,
    order=10,
)
GRANT_REQUESTS_PROVIDER = HandoverProvider(
    kind="grant_requests",
    label=gettext_lazy("待审批的查阅申请"),
    count=lambda user: _pending_requests(user).count(),
    examples=_request_examples,
    transfer=_requests_withdraw,
    needs_receiver=False,
    order=90,
)


def handover_providers_install() -> None:
    """Register the archive's providers (called from the app's ready())."""
    handover_provider_register(CUSTOMERS_PROVIDER)
    handover_provider_register(GRANT_REQUESTS_PROVIDER)


# --- the handover ------------------------------------------------------------------


@transaction.atomic
def handover_perform(
    *,
    actor: Any,
    from_user: User,
    receivers: dict[str, User | None],
    reason: str,
    request: HttpRequest | None = None,
) -> Handover:
    """Move everything ``from_user`` holds, kind by kind, to the receiver named for
    that kind (or to the one named for ``"*"``), in one transaction; record it,
    audit it and tell each receiver. Nothing moves if any part is refused."""
    if not can_perform_handover(actor):
        raise PermissionDenied
    from_user = User.objects.select_for_update().get(pk=from_user.pk)
    reason = reason_clean(reason)
    known = {p.kind for p in handover_providers()} | {ANY_KIND}
    for kind in receivers:
        if kind not in known:
            raise DomainError(
                _("没有这类交接事项：%(kind)s。") % {"kind": kind},
                field=f"receivers.{kind}",
                code="unknown_kind",
            )
    held = handover_holdings(from_user)
    if not held:
        raise DomainError(
            _("%(name)s 名下没有需要交接的事项。") % {"name": from_user.name},
            field="from_user",
            code="nothing_held",
        )
    moved: list[dict[str, Any]] = []
    told: dict[int, list[str]] = {}
    for holding in held:
        receiver = receivers.get(holding.kind) or receivers.get(ANY_KIND)
        field = f"receivers.{holding.kind}"
        if holding.needs_receiver:
            if receiver is None:
                raise DomainError(
                    _("请为“%(label)s”指定接收人。") % {"label": holding.label},
                    field=field,
                    code="required",
                )
            if receiver.pk == from_user.pk:
                raise DomainError(
                    _("接收人不能是交出工作的人本人。"), field=field, code="same_user"
                )
            error = holding.provider.receiver_error(receiver)
            if error:
                raise DomainError(error, field=field, code="invalid_receiver")
        else:
            receiver = None
        count = holding.provider.transfer(
            from_user=from_user, to_user=receiver, actor=actor, request=request
        )
        moved.append(
            {
                "kind": holding.kind,
                "label": holding.label,
                "count": count,
                "receiver": receiver.username if receiver else None,
                "receiver_name": receiver.name if receiver else None,
            }
        )
        if receiver is not None and count:
            told.setdefault(receiver.pk, []).append(
                _("%(label)s %(count)s 项") % {"label": holding.label, "count": count}
            )
    left = handover_holdings(from_user)
    if left:  # a provider moved less than it counted: nothing is kept
        raise DomainError(
            _("交接未完成：%(label)s 仍有 %(count)s 项，请重试。")
            % {"label": left[0].label, "count": left[0].count},
            field=None,
            code="incomplete",
        )
    record = Handover.objects.create(
        from_user=from_user, reason=reason, moved=moved, performed_by=actor
    )
    audit_record(
        event="handover.perform",
        actor=actor,
        request=request,
        obj=from_user,
        data={"handover": record.pk, "moved": moved, "reason": reason},
    )
    url = reverse("customers:handover_detail", args=[record.pk])
    title = _("%(name)s 的工作已交接给您") % {"name": from_user.name}

    def tell() -> None:
        for user_id, parts in told.items():
            notify_user(
                user=User(pk=user_id),
                title=title,
                body="；".join(parts),
                url=url,
                key=f"handover.{record.pk}.{user_id}",
            )

    transaction.on_commit(tell)
    return record


# --- reads ---------------------------------------------------------------------------


def handover_list() -> QuerySet[Handover]:
    return Handover.objects.select_related("from_user", "performed_by")


def handover_get(*, pk: int) -> Handover:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(handover_list(), pk=pk)


def handover_staff() -> QuerySet[User]:
    """People whose work may be handed over: business staff, active or not (an
    account deactivated before this check existed may still hold something)."""
    return (
        User.objects.filter(groups__name__in=[r.value for r in BUSINESS_ROLES])
        .distinct()
        .order_by("-is_active", "username")
    )
