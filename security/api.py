"""API: the security policy — read by the security administrator and the auditor,
changed by the security administrator (with ``version``; stale is 409)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from accounts.permissions import can_view_security_policy
from accounts.policy import security_policy_get, security_policy_update
from core.schema import ConflictOut, ErrorOut
from security.schemas import PolicyOut, PolicyPatchIn

router = Router(tags=["security"])


@router.get("/security/policy", response={200: PolicyOut, 403: ErrorOut})
def get_security_policy(request: HttpRequest):
    if not can_view_security_policy(request.auth):
        raise PermissionDenied
    return security_policy_get()


@router.patch(
    "/security/policy",
    response={200: PolicyOut, 403: ErrorOut, 409: ConflictOut, 422: ErrorOut},
)
def update_security_policy(request: HttpRequest, payload: PolicyPatchIn):
    changes = payload.dict(exclude={"version"}, exclude_none=True)
    return security_policy_update(
        actor=request.auth, version=payload.version, changes=changes, request=request
    )
